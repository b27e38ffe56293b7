<?php
// A webhook receiver running the seed's PHP verifier (normalized-api-gigaglobe.txt) verbatim.
//
//   SECRET=<secret> RECEIVER_LOG=<log_file> php -q -S 127.0.0.1:<port> php_receiver.php
//
// The built-in server runs this script for every request. A delivery the snippet accepts is
// answered 200 and logged as one line "<X-GigaGlobe-Delivery> <event id>"; the snippet's own
// rejections answer 400.

$SECRET = getenv('SECRET');
$LOG_FILE = getenv('RECEIVER_LOG');
if ($SECRET === false || $SECRET === '' || $LOG_FILE === false || $LOG_FILE === '') {
    http_response_code(500);
    exit;
}

// ---- the seed's snippet, verbatim ----
$sig = $_SERVER['HTTP_X_GIGAGLOBE_SIGNATURE'];
preg_match('/t=(\d+),v1=([a-f0-9]+)/', $sig, $m);
[$t, $v1] = [$m[1], $m[2]];
$body = file_get_contents('php://input');
$expected = hash_hmac('sha256', $t.'.'.$body, $SECRET);
if (abs(time() - (int)$t) > 300) { http_response_code(400); exit; }
if (!hash_equals($expected, $v1)) { http_response_code(400); exit; }
// trusted — handle the event
$event = json_decode($body, true);
// ---- end of the snippet ----

$delivery = $_SERVER['HTTP_X_GIGAGLOBE_DELIVERY'] ?? '';
$event_id = is_array($event) && isset($event['id']) ? $event['id'] : '-';
file_put_contents($LOG_FILE, $delivery . ' ' . $event_id . "\n", FILE_APPEND | LOCK_EX);
http_response_code(200);
echo 'ok';
