// A webhook receiver running the seed's Node verifier (normalized-api-gigaglobe.txt) verbatim.
//
//   node node_receiver.js <secret> <log_file>      (or SECRET / RECEIVER_LOG in the environment)
//
// Listens on 127.0.0.1, port 0, and prints the bound port on stdout first. A delivery the
// snippet accepts is answered 200 and logged as one line "<X-GigaGlobe-Delivery> <event id>";
// the snippet's own rejections answer 400; anything the snippet throws answers 500.
'use strict';

const fs = require('fs');
const http = require('http');

const SECRET = process.argv[2] || process.env.SECRET;
const LOG_FILE = process.argv[3] || process.env.RECEIVER_LOG;
if (!SECRET || !LOG_FILE) {
  process.stderr.write('usage: node node_receiver.js <secret> <log_file>\n');
  process.exit(2);
}

// Express's res.status(code), which the snippet calls.
function withStatusShim(res) {
  res.status = (code) => {
    res.statusCode = code;
    return res;
  };
  return res;
}

// Returns true when the snippet let the request through.
function verify(req, res, rawBody) {
  // ---- the seed's snippet, verbatim ----
const crypto = require('crypto');
const sig = req.headers['x-gigaglobe-signature'];
const parts = Object.fromEntries(
sig.split(',').map(s => s.split('='))
);
const expected = crypto.createHmac('sha256', SECRET)
.update(parts.t + '.' + rawBody)
.digest('hex');
if (Math.abs(Date.now()/1000 - parts.t) > 300) return res.status(400).end();
if (!crypto.timingSafeEqual(
Buffer.from(expected),
Buffer.from(parts.v1)
)) return res.status(400).end();
  // ---- end of the snippet ----
  return true;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const rawBody = Buffer.concat(chunks).toString('utf8');
    withStatusShim(res);
    let accepted;
    try {
      accepted = verify(req, res, rawBody) === true;
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error && error.message));
      return;
    }
    if (!accepted) return;  // the snippet answered 400
    let eventId = '';
    try {
      eventId = JSON.parse(rawBody).id;
    } catch (error) {
      eventId = '-';
    }
    fs.appendFileSync(LOG_FILE, `${req.headers['x-gigaglobe-delivery']} ${eventId}\n`);
    res.statusCode = 200;
    res.end('ok');
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
