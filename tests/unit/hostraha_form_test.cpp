#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "hostraha/php_form.hpp"
#include "hostraha/routes.hpp"

namespace portico::adapters::hostraha {
namespace {

// Every expected string below is PHP 8.2's own output for the same array, from the command in
// the comment above it.

// php -r 'echo http_build_query(["domain"=>"example.com","regperiod"=>1,"a b"=>"x y~*\x27!()",
//   "flag"=>true,"off"=>false,"skip"=>null,"nameservers"=>["ns1"=>"ns1.a.com","ns2"=>"ns2.a.com",
//   "ns3"=>null],"addons"=>["dnsmanagement"=>1,"idprotection"=>0],"contacts"=>["registrant"=>
//   ["firstname"=>"Ann Bø","email"=>"x@y.z"]],"empty"=>[],"list"=>["p","q"]]);'
TEST(PhpFormTest, NestedKeysScalarsAndOmissionsAsPhp) {
  PhpForm nameservers;
  nameservers.add("ns1", "ns1.a.com")
      .add("ns2", "ns2.a.com")
      .add("ns3", std::optional<std::string>());
  PhpForm addons;
  addons.add("dnsmanagement", 1).add("idprotection", 0);
  PhpForm registrant;
  registrant.add("firstname", "Ann Bø").add("email", "x@y.z");
  PhpForm contacts;
  contacts.add("registrant", std::move(registrant));
  PhpForm list;
  list.add("0", "p").add("1", "q");

  PhpForm form;
  form.add("domain", "example.com")
      .add("regperiod", 1)
      .add("a b", "x y~*'!()")
      .add("flag", true)
      .add("off", false)
      .add("skip", std::optional<std::string>())
      .add("nameservers", std::move(nameservers))
      .add("addons", std::move(addons))
      .add("contacts", std::move(contacts))
      .add("empty", PhpForm())
      .add("list", std::move(list));

  EXPECT_EQ(
      form.encode(),
      "domain=example.com&regperiod=1&a+b=x+y%7E%2A%27%21%28%29&flag=1&off=0&nameservers%5Bns1"
      "%5D=ns1.a.com&nameservers%5Bns2%5D=ns2.a.com&addons%5Bdnsmanagement%5D=1&addons%5Bidpr"
      "otection%5D=0&contacts%5Bregistrant%5D%5Bfirstname%5D=Ann+B%C3%B8&contacts%5Bregistran"
      "t%5D%5Bemail%5D=x%40y.z&list%5B0%5D=p&list%5B1%5D=q");
}

// php -r 'echo http_build_query(["contactdetails"=>["Registrant"=>["First Name"=>"Ann",
//   "Phone Number"=>"+254.712345678"]],"dnsrecords"=>[["hostname"=>"@","type"=>"TXT",
//   "address"=>"v=spf1 include:_spf.example.com ~all","priority"=>"N/A"]]]);'
TEST(PhpFormTest, SpacesInNestedKeysAndWhmcsRecords) {
  PhpForm registrant;
  registrant.add("First Name", "Ann").add("Phone Number", "+254.712345678");
  PhpForm details;
  details.add("Registrant", std::move(registrant));
  PhpForm record;
  record.add("hostname", "@")
      .add("type", "TXT")
      .add("address", "v=spf1 include:_spf.example.com ~all")
      .add("priority", "N/A");
  PhpForm records;
  records.add("0", std::move(record));
  PhpForm form;
  form.add("contactdetails", std::move(details)).add("dnsrecords", std::move(records));

  EXPECT_EQ(form.encode(),
            "contactdetails%5BRegistrant%5D%5BFirst+Name%5D=Ann&contactdetails%5BRegistrant%5D%5BP"
            "hone+Number%5D=%2B254.712345678&dnsrecords%5B0%5D%5Bhostname%5D=%40&dnsrecords%5B0%5D%"
            "5Btype%5D=TXT&dnsrecords%5B0%5D%5Baddress%5D=v%3Dspf1+include%3A_spf.example.com+%7Eal"
            "l&dnsrecords%5B0%5D%5Bpriority%5D=N%2FA");
}

// php -r 'echo http_build_query(["k&=[]"=>"100% ~\t\n/?#[]\"<>", "u"=>"Zürich €",
//   "n"=>["a"=>null,"b"=>[] ,"c"=>false], "x"=>"-_.AZaz09"]);'
TEST(PhpFormTest, ReservedControlAndMultibyteCharacters) {
  PhpForm nested;
  nested.add("a", std::optional<std::string>()).add("b", PhpForm()).add("c", false);
  PhpForm form;
  form.add("k&=[]", "100% ~\t\n/?#[]\"<>")
      .add("u", "Zürich €")
      .add("n", std::move(nested))
      .add("x", "-_.AZaz09");

  EXPECT_EQ(
      form.encode(),
      "k%26%3D%5B%5D=100%25+%7E%09%0A%2F%3F%23%5B%5D%22%3C%3E&u=Z%C3%BCrich+%E2%82%AC&n%5Bc%5D"
      "=0&x=-_.AZaz09");
}

// php -r 'echo http_build_query(["domain"=>"example.com","regperiod"=>2,"domainfields"=>
//   "YTowOnt9","nameservers"=>["ns1"=>"ns1.host.net","ns2"=>"ns2.host.net"],"contacts"=>
//   ["registrant"=>["firstname"=>"Ann","lastname"=>"O\x27Neil","companyname"=>"","email"=>
//   "ann+dns@example.com","phonenumber"=>"+254.712345678"]],"addons"=>["dnsmanagement"=>true,
//   "emailforwarding"=>true,"idprotection"=>false]]);'
TEST(PhpFormTest, RegisterOrderShape) {
  PhpForm nameservers;
  nameservers.add("ns1", "ns1.host.net").add("ns2", "ns2.host.net");
  PhpForm registrant;
  registrant.add("firstname", "Ann")
      .add("lastname", "O'Neil")
      .add("companyname", "")
      .add("email", "ann+dns@example.com")
      .add("phonenumber", "+254.712345678");
  PhpForm contacts;
  contacts.add("registrant", std::move(registrant));
  PhpForm addons;
  addons.add("dnsmanagement", true).add("emailforwarding", true).add("idprotection", false);
  PhpForm form;
  form.add("domain", "example.com")
      .add("regperiod", 2)
      .add("domainfields", "YTowOnt9")
      .add("nameservers", std::move(nameservers))
      .add("contacts", std::move(contacts))
      .add("addons", std::move(addons));

  EXPECT_EQ(
      form.encode(),
      "domain=example.com&regperiod=2&domainfields=YTowOnt9&nameservers%5Bns1%5D=ns1.host.net&"
      "nameservers%5Bns2%5D=ns2.host.net&contacts%5Bregistrant%5D%5Bfirstname%5D=Ann&contacts"
      "%5Bregistrant%5D%5Blastname%5D=O%27Neil&contacts%5Bregistrant%5D%5Bcompanyname%5D=&co"
      "ntacts%5Bregistrant%5D%5Bemail%5D=ann%2Bdns%40example.com&contacts%5Bregistrant%5D%5Bp"
      "honenumber%5D=%2B254.712345678&addons%5Bdnsmanagement%5D=1&addons%5Bemailforwarding%5"
      "D=1&addons%5Bidprotection%5D=0");
}

// php -r 'echo http_build_query(["searchTerm"=>"xn--bcher-kva","tldsToInclude"=>[".com",
//   ".co.ke"],"isIdnDomain"=>true,"premiumEnabled"=>true,"isWhmcs"=>1]);'
TEST(PhpFormTest, LookupShape) {
  PhpForm tlds;
  tlds.add("0", ".com").add("1", ".co.ke");
  PhpForm form;
  form.add("searchTerm", "xn--bcher-kva")
      .add("tldsToInclude", std::move(tlds))
      .add("isIdnDomain", true)
      .add("premiumEnabled", true)
      .add("isWhmcs", 1);
  EXPECT_EQ(
      form.encode(),
      "searchTerm=xn--bcher-kva&tldsToInclude%5B0%5D=.com&tldsToInclude%5B1%5D=.co.ke&isIdnDom"
      "ain=1&premiumEnabled=1&isWhmcs=1");
}

// php -r 'echo http_build_query([]);' prints nothing.
TEST(PhpFormTest, EmptyArrayEncodesToNothing) {
  EXPECT_EQ(PhpForm().encode(), "");
  EXPECT_TRUE(PhpForm().empty());
  PhpForm only_empty;
  only_empty.add("dnsrecords", PhpForm());
  EXPECT_EQ(only_empty.encode(), "");
}

TEST(PhpFormTest, UrlencodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(php_urlencode("AZaz09-_."), "AZaz09-_.");
  EXPECT_EQ(php_urlencode(" "), "+");
  EXPECT_EQ(php_urlencode("~"), "%7E");
  EXPECT_EQ(php_urlencode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(RoutesTest, OfficialTableExpandsTheDomain) {
  const Routes routes = Routes::official();
  EXPECT_EQ(Routes::expand(routes.dns, "example.com"), "domains/example.com/dns");
  EXPECT_EQ(Routes::expand(routes.glue_modify, "example.co.ke"),
            "domains/example.co.ke/nameservers/modify");
  EXPECT_EQ(Routes::expand(routes.credits, "example.com"), "billing/credits");
  EXPECT_EQ(Routes::expand("{domain}/{domain}", "a.b"), "a.b/a.b");
  EXPECT_EQ(routes.lookup, "domains/lookup");
  EXPECT_EQ(routes.register_domain, "order/domains/register");
  EXPECT_EQ(routes.auth_code, "domains/{domain}/eppcode");
}

}  // namespace
}  // namespace portico::adapters::hostraha
