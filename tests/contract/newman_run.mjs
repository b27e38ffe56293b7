// Runs the committed Postman collection (docs/portico.postman_collection.json) with newman
// against the gateway that tests/contract/stack.sh started, and fails unless every request's
// tests pass.
//
//   tests/contract/stack.sh node tests/contract/newman_run.mjs [COLLECTION]
//
// What a partner's customer does outside the API happens where it would: right after the
// certificate order answers, the DNS records it asks for are published in the simulators' world
// (SSLCI's /__sim/dcv/records, as at the customer's DNS host), before the next request (the
// verification) is sent. The collection's webhook endpoint points at a receiver this program
// runs, which checks every delivery's X-Portico-Signature.
//
// Not --bail: the run goes on after a failure, so one run names every operation that fails
// (a failure early on makes later requests that need its id fail too; read the first one first).
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tools/package.json'));
const fail = (message) => {
  console.error(`newman_run: ${message}`);
  process.exit(1);
};

let newman;
try {
  newman = require('newman');
} catch {
  fail('newman is not installed in tools/node_modules: run scripts/setup');
}
const { postmanId } = await import(path.join(root, 'tools/postman.mjs'));

for (const name of ['BASE_URL', 'API_KEY', 'SIM_CA', 'SSLCI_SIM_URL']) {
  if (!process.env[name]) fail(`${name} is not set: run me through tests/contract/stack.sh`);
}
const collectionFile = process.argv[2] ?? path.join(root, 'docs/portico.postman_collection.json');
const collection = JSON.parse(fs.readFileSync(collectionFile, 'utf8'));
const outDir = process.env.CONTRACT_OUT ?? process.env.STACK_DIR;
fs.mkdirSync(outDir, { recursive: true });

// The webhook receiver: every delivery must carry a valid signature by a secret the API gave.
const secrets = [];
const deliveries = [];
const receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const header = String(request.headers['x-portico-signature'] ?? '');
    const parts = header.split(',').map((part) => part.split('='));
    const t = parts.find(([k]) => k === 't')?.[1];
    const valid = !!t && Math.abs(Date.now() / 1000 - Number(t)) <= 300 && parts
      .filter(([k]) => k === 'v1')
      .some(([, v1]) => secrets.some((secret) => {
        const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
        return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
      }));
    deliveries.push({ event: request.headers['x-portico-event'], valid });
    response.writeHead(valid ? 200 : 400).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const webhookUrl = `http://127.0.0.1:${receiver.address().port}/portico`;

const afterResponse = {
  // What the customer does at their DNS host once the order tells them the records.
  [postmanId('operation:createCertificate')]: (body) => {
    for (const validation of body.data?.validations ?? []) {
      const instructions = validation.instructions ?? {};
      if (!instructions.record_name) continue;
      const record = JSON.stringify({
        name: instructions.record_name,
        type: instructions.record_type ?? 'TXT',
        value: instructions.record_value,
      });
      execFileSync('curl', ['-sS', '--fail-with-body', '--cacert', process.env.SIM_CA,
        `${process.env.SSLCI_SIM_URL}/__sim/dcv/records`, '-H', 'Content-Type: application/json',
        '-d', record], { stdio: ['ignore', 'ignore', 'inherit'] });
      console.log(`\n  (the customer publishes ${instructions.record_name} TXT at their DNS host)`);
    }
  },
  [postmanId('operation:createWebhookEndpoint')]: (body) => body.data?.secret && secrets.push(body.data.secret),
  [postmanId('operation:rotateWebhookEndpointSecret')]: (body) => body.data?.secret && secrets.push(body.data.secret),
};

const started = Date.now();
const run = newman.run({
  collection,
  envVar: [
    { key: 'base_url', value: process.env.BASE_URL },
    { key: 'api_key', value: process.env.API_KEY },
    { key: 'webhook_url', value: webhookUrl },
  ],
  reporters: ['cli', 'json'],
  reporter: { json: { export: path.join(outDir, 'newman-report.json') } },
  timeoutRequest: 30000,
  color: 'off',
});
run.on('request', (error, args) => {
  const hook = afterResponse[args.item.id];
  if (error || !hook || !args.response) return;
  let body;
  try {
    body = JSON.parse(args.response.stream.toString('utf8'));
  } catch {
    return;  // the request's own tests say what is wrong with the answer
  }
  hook(body);  // synchronous: the run waits for it before the next request
});
run.on('done', async (error, summary) => {
  if (error) {
    receiver.close();
    fail(`newman could not run the collection: ${error.message}`);
  }
  const failures = summary.run.failures;
  const stats = summary.run.stats;
  // Deliveries are sent asynchronously: wait (up to 10 s) until none has arrived for half a second.
  for (let i = 0, seen = -1, quiet = 0; i < 100 && quiet < 5; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    quiet = deliveries.length > 0 && deliveries.length === seen ? quiet + 1 : 0;
    seen = deliveries.length;
  }
  receiver.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`newman_run: ${stats.requests.total} requests, ${stats.assertions.total} assertions, ` +
    `${failures.length} failures in ${seconds} s; ${deliveries.length} webhook deliveries ` +
    `(${deliveries.filter((d) => d.valid).length} with a valid signature); report ${path.join(outDir, 'newman-report.json')}`);
  const problems = [];
  for (const failure of failures) {
    problems.push(`${failure.source?.name ?? '?'}: ${failure.error?.test ?? failure.error?.name ?? ''} ${failure.error?.message ?? ''}`.trim());
  }
  const expected = summary.collection.forEachItem ? (() => { let n = 0; summary.collection.forEachItem(() => ++n); return n; })() : 0;
  if (stats.requests.total !== expected) problems.push(`${stats.requests.total} requests were sent, the collection has ${expected}`);
  if (stats.requests.failed) problems.push(`${stats.requests.failed} requests got no answer`);
  if (!deliveries.length) problems.push('no webhook delivery reached the receiver');
  if (deliveries.some((d) => !d.valid)) problems.push(`deliveries with a bad signature: ${deliveries.filter((d) => !d.valid).map((d) => d.event).join(', ')}`);
  if (problems.length) {
    console.error(`newman_run: FAILED\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
});
