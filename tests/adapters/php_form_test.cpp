#include "portico/sim/php_form.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace portico {
namespace {

using sim::parse_php_form;
using sim::PhpValue;

struct Vector {
  std::string body;
  std::string php_json;  // json_encode(parse_str(body), JSON_FORCE_OBJECT | ...) by PHP 8.2
};

// Computed with PHP 8.2's own parse_str, one body per line of bodies.txt:
//   php -r 'foreach (file("php://stdin", FILE_IGNORE_NEW_LINES) as $body) {
//     parse_str($body, $r); echo json_encode($r, JSON_FORCE_OBJECT | JSON_UNESCAPED_SLASHES
//     | JSON_UNESCAPED_UNICODE), "\n"; }' < bodies.txt
// The last three bodies are http_build_query() output for a register call, a contact save and
// a DNS save, as the official client sends them.
const std::vector<Vector> kPhpVectors = {
    {R"(a=1&b=x+y&c=%41%2B%zz%4)", R"({"a":"1","b":"x y","c":"A+%zz%4"})"},
    {R"(a=1&a=2&b=3&a=4)", R"({"a":"4","b":"3"})"},
    {R"(a&b=&c=1=2&&d)", R"({"a":"","b":"","c":"1=2","d":""})"},
    {R"( a b.c=1&x.y[a.b c]=2)", R"({"a_b_c":"1","x_y":{"a.b c":"2"}})"},
    {R"(=x&[a]=1&%20=2&+=3)", R"({})"},
    {R"(a[ b]=1&a[b ]=2&a[ b ]=3)", R"({"a":{" b":"1","b ":"2"," b ":"3"}})"},
    {R"(a[]=x&a[]=y&a[5]=z&a[]=w)", R"({"a":{"0":"x","1":"y","5":"z","6":"w"}})"},
    {R"(a[-5]=x&a[]=y)", R"({"a":{"-5":"x","-4":"y"}})"},
    {R"(a[x]=1&a[]=2&a[3]=3&a[]=4&a[x]=5)", R"({"a":{"x":"5","0":"2","3":"3","4":"4"}})"},
    {R"(a[01]=x&a[1]=y&a[]=z&a[-0]=w&a[+2]=v)",
     R"({"a":{"01":"x","1":"y","2":"z","-0":"w"," 2":"v"}})"},
    {R"(a[9223372036854775807]=m&a[]=n&b[9223372036854775808]=o&b[]=p)",
     R"({"a":{"9223372036854775807":"m"},"b":{"9223372036854775808":"o","0":"p"}})"},
    {R"(a[b]=1&a=2)", R"({"a":"2"})"},
    {R"(a=1&a[b]=2)", R"({"a":{"b":"2"}})"},
    {R"(a[b]=1&a[b][c]=2)", R"({"a":{"b":{"c":"2"}}})"},
    {R"(a[b][c]=1&a[b]=2&a[b][d]=3)", R"({"a":{"b":{"d":"3"}}})"},
    {R"(a[b][c=1)", R"({"a":{"b":"1"}})"},
    {R"(a[b=1)", R"({"a_b":"1"})"},
    {R"(a[b.c d[e=1)", R"({"a_b_c_d_e":"1"})"},
    {R"(a[b]x[c]=1)", R"({"a":{"b":"1"}})"},
    {R"(a[[b]]=1)", R"({"a":{"[b":"1"}})"},
    {R"(a]=1&a]b[c]=2)", R"({"a]":"1","a]b":{"c":"2"}})"},
    {R"(a%00b=1&c[d%00e]=2)", R"({"a":"1","c_d":"2"})"},
    {R"(a[b][]=1&a[b][]=2&a[c][d][e]=3)", R"({"a":{"b":{"0":"1","1":"2"},"c":{"d":{"e":"3"}}}})"},
    {R"(a[][x]=1&a[][x]=2)", R"({"a":{"0":{"x":"1"},"1":{"x":"2"}}})"},
    {R"(5=x&-3=y&05=z)", R"({"5":"x","-3":"y","05":"z"})"},
    {R"(nameservers%5B0%5D=ns1.example.net&nameservers%5B1%5D=ns2.example.net)",
     R"({"nameservers":{"0":"ns1.example.net","1":"ns2.example.net"}})"},
    {R"(nameservers%5Bns1%5D=ns1.example.net&nameservers%5Bns2%5D=ns2.example.net)",
     R"({"nameservers":{"ns1":"ns1.example.net","ns2":"ns2.example.net"}})"},
    {R"(domain=example.com&regperiod=2&domainfields=YTowOnt9&addons%5Bdnsmanagement%5D=1&addons%5)"
     R"(Bemailforwarding%5D=1&addons%5Bidprotection%5D=0&nameservers%5Bns1%5D=ns1.example.net&nam)"
     R"(eservers%5Bns2%5D=ns2.example.net&contacts%5Bregistrant%5D%5Bfirstname%5D=Wanjiru&contact)"
     R"(s%5Bregistrant%5D%5Blastname%5D=Kamau&contacts%5Bregistrant%5D%5Bemail%5D=w%2Bk%40example)"
     R"(.co.ke&contacts%5Bregistrant%5D%5Bphonenumber%5D=%2B254.712345678)",
     R"({"domain":"example.com","regperiod":"2","domainfields":"YTowOnt9","addons":{"dnsmanagem)"
     R"(ent":"1","emailforwarding":"1","idprotection":"0"},"nameservers":{"ns1":"ns1.example.ne)"
     R"(t","ns2":"ns2.example.net"},"contacts":{"registrant":{"firstname":"Wanjiru","lastname":)"
     R"("Kamau","email":"w+k@example.co.ke","phonenumber":"+254.712345678"}}})"},
    {R"(domain=example.com&contactdetails%5BRegistrant%5D%5BFirst+Name%5D=Ann+Marie&contactdetail)"
     R"(s%5BRegistrant%5D%5BCompany+Name%5D=A+%26+B+Ltd.&contactdetails%5BRegistrant%5D%5BPhone+N)"
     R"(umber%5D=%2B1.5551234567)",
     R"({"domain":"example.com","contactdetails":{"Registrant":{"First Name":"Ann Marie","Compa)"
     R"(ny Name":"A & B Ltd.","Phone Number":"+1.5551234567"}}})"},
    {R"(dnsrecords%5B0%5D%5Bhostname%5D=%40&dnsrecords%5B0%5D%5Btype%5D=MX&dnsrecords%5B0%5D%5Bad)"
     R"(dress%5D=mail.example.com&dnsrecords%5B0%5D%5Bpriority%5D=10&dnsrecords%5B1%5D%5Bhostname)"
     R"(%5D=_sip._tcp&dnsrecords%5B1%5D%5Btype%5D=TXT&dnsrecords%5B1%5D%5Baddress%5D=v%3Dspf1+inc)"
     R"(lude%3A_spf.example.com+%7Eall&dnsrecords%5B1%5D%5Bpriority%5D=N%2FA)",
     R"({"dnsrecords":{"0":{"hostname":"@","type":"MX","address":"mail.example.com","priority":)"
     R"("10"},"1":{"hostname":"_sip._tcp","type":"TXT","address":"v=spf1 include:_spf.example.c)"
     R"(om ~all","priority":"N/A"}}})"},
};

TEST(PhpFormTest, MatchesPhpParseStr) {
  for (const Vector& vector : kPhpVectors) {
    EXPECT_EQ(parse_php_form(vector.body).to_json(), vector.php_json) << vector.body;
  }
}

TEST(PhpFormTest, KeepsInsertionOrderAndPositionOnReplace) {
  const PhpValue form = parse_php_form("z=1&a=2&m=3&a=4");
  ASSERT_EQ(form.size(), 3U);
  EXPECT_EQ(form.entries()[0].key, "z");
  EXPECT_EQ(form.entries()[1].key, "a");
  EXPECT_EQ(form.entries()[1].value.text(), "4");
  EXPECT_EQ(form.entries()[2].key, "m");
}

TEST(PhpFormTest, PathHelpersReadNestedValues) {
  const PhpValue form = parse_php_form(
      "contacts%5Bregistrant%5D%5Bemail%5D=a%40b.c&contacts%5Bregistrant%5D%5Bcity%5D=Nairobi"
      "&domain=example.com");
  EXPECT_EQ(form.string_at({"domain"}), "example.com");
  EXPECT_EQ(form.string_at({"contacts", "registrant", "email"}), "a@b.c");
  EXPECT_EQ(form.string_at({"contacts", "registrant"}), std::nullopt);  // an array
  EXPECT_EQ(form.string_at({"contacts", "admin", "email"}), std::nullopt);
  EXPECT_EQ(form.string_at({"domain", "x"}), std::nullopt);  // into a string
  const PhpValue* registrant = form.find({"contacts", "registrant"});
  ASSERT_NE(registrant, nullptr);
  ASSERT_TRUE(registrant->is_array());
  ASSERT_EQ(registrant->size(), 2U);
  EXPECT_EQ(registrant->entries()[1].key, "city");
  EXPECT_EQ(registrant->entries()[1].value.text(), "Nairobi");
}

TEST(PhpFormTest, EmptyBodyIsAnEmptyArray) {
  const PhpValue form = parse_php_form("");
  EXPECT_TRUE(form.is_array());
  EXPECT_EQ(form.size(), 0U);
  EXPECT_EQ(form.to_json(), "{}");
}

// php -r '$d = "a" . str_repeat("[x]", 64); parse_str("a[y]=0&$d=1", $r); ...': kept;
// with 65 levels the variable is dropped and `a` with it: {"b":"2"}.
TEST(PhpFormTest, NestingDeeperThanTheLimitDropsTheWholeVariable) {
  std::string deep64 = "a";
  for (int i = 0; i < 64; ++i)
    deep64 += "[x]";
  const PhpValue kept = parse_php_form("a[y]=0&" + deep64 + "=1");
  const PhpValue* leaf = kept.find({"a"});
  for (int i = 0; i < 64 && leaf != nullptr; ++i)
    leaf = leaf->find("x");
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(leaf->text(), "1");
  EXPECT_EQ(kept.string_at({"a", "y"}), "0");

  const PhpValue dropped = parse_php_form("a[y]=0&" + deep64 + "[x]=1&b=2");
  EXPECT_EQ(dropped.to_json(), R"({"b":"2"})");

  const PhpValue shallow = parse_php_form("a[b][c]=1", {.max_nesting_level = 1});
  EXPECT_EQ(shallow.to_json(), "{}");
}

// php -r '$q = ""; for ($i = 0; $i < 1001; $i++) $q .= "v$i=$i&&"; parse_str($q, $r);
//   echo count($r);' prints 1000 (v0..v999; empty pairs do not count).
TEST(PhpFormTest, VariablesBeyondMaxInputVarsAreDropped) {
  std::string body;
  for (int i = 0; i < 1001; ++i)
    body += "v" + std::to_string(i) + "=" + std::to_string(i) + "&&";
  const PhpValue form = parse_php_form(body);
  EXPECT_EQ(form.size(), 1000U);
  EXPECT_EQ(form.string_at({"v999"}), "999");
  EXPECT_EQ(form.find("v1000"), nullptr);
  EXPECT_EQ(parse_php_form("a=1&b=2&c=3", {.max_input_vars = 2}).to_json(), R"({"a":"1","b":"2"})");
}

TEST(PhpFormTest, BuildersFollowPhpArraySemantics) {
  PhpValue array;
  ASSERT_NE(array.append(PhpValue("a")), nullptr);  // key 0
  array.set("7", PhpValue("b"));                    // integer key: next is 8
  array.set("07", PhpValue("c"));                   // a string key
  ASSERT_NE(array.append(PhpValue("d")), nullptr);  // key 8
  EXPECT_EQ(array.to_json(), R"({"0":"a","7":"b","07":"c","8":"d"})");
  EXPECT_TRUE(array.erase("7"));
  EXPECT_FALSE(array.erase("7"));
  ASSERT_NE(array.append(PhpValue("e")), nullptr);  // PHP never reuses keys: 9
  EXPECT_EQ(array.entries().back().key, "9");

  PhpValue full;
  full.set("9223372036854775807", PhpValue("max"));
  EXPECT_EQ(full.append(PhpValue("lost")), nullptr);
  EXPECT_EQ(full.size(), 1U);

  PhpValue text("scalar");
  text.set("k", PhpValue("v"));  // a string turns into an array
  EXPECT_TRUE(text.is_array());
  EXPECT_EQ(text.to_json(), R"({"k":"v"})");
  EXPECT_EQ(parse_php_form("a[k]=v&b=scalar").find("a")->to_json(), text.to_json());
  EXPECT_TRUE(*parse_php_form("a[k]=v").find("a") == text);
}

}  // namespace
}  // namespace portico
