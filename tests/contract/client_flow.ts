// A partner's program written against the TypeScript client that @hey-api/openapi-ts generates
// from the served OpenAPI document, and nothing else for the API: a customer, a domain
// (availability, then registration), a DNS record, a DV certificate validated by DNS and
// issued, a firewall package, and a webhook endpoint on a receiver this program runs, which
// checks every delivery's X-Portico-Signature (docs/webhooks.md) and sees the events arrive.
//
// tests/contract/client_flow.sh generates the client into ./generated beside a copy of this
// file, compiles both with tsc (strict) and runs it under tests/contract/stack.sh, which gives
// BASE_URL, API_KEY and, for what the customer does outside the API, SIM_CA and SSLCI_SIM_URL.
// Exits 1 at the first failure.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

import { client } from './generated/client.gen';
import {
  createCertificate,
  createCustomer,
  createDnsRecord,
  createDomain,
  createHosting,
  createWebhookEndpoint,
  getCertificate,
  getDomainAvailability,
  getEvent,
  getMe,
  listDnsRecords,
  listEvents,
  listWebhookDeliveries,
  testWebhookEndpoint,
  verifyCertificate,
  type CertificateDnsInstructions,
} from './generated';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run me through tests/contract/stack.sh`);
  return value;
};
const BASE_URL = env('BASE_URL');
const API_KEY = env('API_KEY');
const SIM_CA = env('SIM_CA');
const SSLCI_SIM_URL = env('SSLCI_SIM_URL');

const started = Date.now();
const log = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

// Every call answers { data, error, response }: the documented status, or a failure that says
// which call, what status and what error came back.
type Result<T> = { data?: T; error?: unknown; response?: Response };
function expect<T>(what: string, result: Result<T>, status: number): T {
  const got = result.response?.status;
  if (got !== status || result.data === undefined) {
    throw new Error(`${what}: expected ${status}, got ${got ?? 'no answer'}: ${JSON.stringify(result.error ?? result.data)}`);
  }
  check(result.response?.headers.get('x-request-id'), `${what}: no X-Request-Id`);
  return result.data;
}
const once = () => ({ 'Idempotency-Key': randomUUID() });

// --- the webhook receiver ---------------------------------------------------------------------

type Delivery = { signature: string; event: string; eventId: string; deliveryId: string; body: string };
const deliveries: Delivery[] = [];
const receiver = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const header = (name: string) => String(request.headers[name] ?? '');
    deliveries.push({
      signature: header('x-portico-signature'),
      event: header('x-portico-event'),
      eventId: header('x-portico-event-id'),
      deliveryId: header('x-portico-delivery'),
      body: Buffer.concat(chunks).toString('utf8'),
    });
    response.writeHead(200).end();
  });
});

// docs/webhooks.md: v1 is the hex HMAC-SHA256 of "t.body" keyed with the whole whsec_ secret;
// reject a t more than 300 s away.
function verifySignature(delivery: Delivery, secret: string): boolean {
  const parts = delivery.signature.split(',').map((part) => part.split('=', 2) as [string, string]);
  const t = parts.find(([key]) => key === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex'));
  return parts.filter(([key]) => key === 'v1')
    .some(([, v1]) => v1 !== undefined && v1.length === expected.length && timingSafeEqual(Buffer.from(v1), expected));
}

// --- what the customer does outside the API -------------------------------------------------

function publishDnsRecord(record: { name: string; type: string; value: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(record);
    const request = https.request(`${SSLCI_SIM_URL}/__sim/dcv/records`, {
      method: 'POST',
      ca: fs.readFileSync(SIM_CA),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode && response.statusCode < 300
        ? resolve()
        : reject(new Error(`publishing the DCV record: HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

// --- the flow ----------------------------------------------------------------------------------

async function main() {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/portico`;
  client.setConfig({ baseUrl: BASE_URL, auth: () => API_KEY });

  const me = expect('getMe', await getMe(), 200).data;
  check(me.livemode === true, 'getMe: the stack\'s key should be live');
  log(`partner ${me.name} (${me.id}), key ${me.api_key.prefix}...`);

  // Subscribe first, so every event of the flow is delivered.
  const endpoint = expect('createWebhookEndpoint', await createWebhookEndpoint({
    headers: once(),
    body: { url: receiverUrl, events: ['*'], description: 'client_flow receiver' },
  }), 201).data;
  check(endpoint.secret.startsWith('whsec_'), `createWebhookEndpoint: the secret is ${endpoint.secret}`);
  log(`webhook endpoint ${endpoint.id} -> ${endpoint.url}`);

  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const customerKey = once();
  const customerBody = { name: 'Wanjiru Kamau', email: 'wanjiru@example.co.ke', country: 'KE', external_id: `flow-${suffix}` };
  const customer = expect('createCustomer', await createCustomer({ headers: customerKey, body: customerBody }), 201).data;
  const replay = await createCustomer({ headers: customerKey, body: customerBody });
  check(expect('createCustomer (replayed)', replay, 201).data.id === customer.id, 'the replay answered another customer');
  check(replay.response?.headers.get('idempotent-replayed') === 'true', 'the replay has no Idempotent-Replayed: true');
  log(`customer ${customer.id} (the same answer again for its Idempotency-Key)`);

  const name = `flow-${suffix}.co.ke`;
  const availability = expect('getDomainAvailability', await getDomainAvailability({ path: { name } }), 200).data;
  check(availability.available, `${name} is not available`);
  log(`${name} is available${availability.price ? ` at ${availability.price.amount} ${availability.price.currency}` : ''}`);

  const domain = expect('createDomain', await createDomain({
    headers: once(),
    body: {
      name,
      customer_id: customer.id,
      years: 1,
      nameservers: ['ns1.example.net', 'ns2.example.net'],
      contacts: {
        registrant: {
          first_name: 'Wanjiru', last_name: 'Kamau', email: 'wanjiru@example.co.ke', phone: '+254.712345678',
          address1: '1 Moi Avenue', city: 'Nairobi', state: 'Nairobi', postcode: '00100', country: 'KE',
        },
      },
      privacy: false,
      auto_renew: true,
    },
  }), 201).data;
  check(domain.status === 'active' && domain.customer_id === customer.id, `createDomain: ${JSON.stringify(domain)}`);
  log(`registered ${domain.name} (${domain.id}), expires ${domain.expires_at}`);

  const record = expect('createDnsRecord', await createDnsRecord({
    headers: once(), path: { id: domain.id }, body: { type: 'A', name: 'www', value: '192.0.2.10', ttl: 3600 },
  }), 201).data;
  const records = expect('listDnsRecords', await listDnsRecords({ path: { id: domain.id } }), 200).data;
  check(records.some((r) => r.id === record.id), `listDnsRecords does not list ${record.id}`);
  log(`DNS record ${record.id}: www A 192.0.2.10`);

  const commonName = `www.${name}`;
  const ordered = expect('createCertificate', await createCertificate({
    headers: once(), body: { common_name: commonName, cert_type: 'dv', dcv_method: 'dns', customer_id: customer.id },
  }), 201).data;
  check(ordered.status === 'pending_validation', `createCertificate: status ${ordered.status}`);
  for (const validation of ordered.validations) {
    const instructions = validation.instructions as CertificateDnsInstructions;
    check(instructions.record_name && instructions.record_value, `no DNS instructions for ${validation.name}`);
    await publishDnsRecord({ name: instructions.record_name, type: instructions.record_type, value: instructions.record_value });
    log(`the customer publishes ${instructions.record_name} ${instructions.record_type} at their DNS host`);
  }
  let certificate = ordered;
  for (let attempt = 1; certificate.status !== 'issued'; ++attempt) {
    check(attempt <= 20, `the certificate is still ${certificate.status} after 20 verifications`);
    certificate = expect('verifyCertificate', await verifyCertificate({ headers: once(), path: { id: ordered.id }, body: {} }), 200).data;
    if (certificate.status !== 'issued') await sleep(500);
  }
  certificate = expect('getCertificate', await getCertificate({ path: { id: ordered.id } }), 200).data;
  check(certificate.certificate_pem?.includes('BEGIN CERTIFICATE'), 'the issued certificate has no PEM');
  check(certificate.dns_names?.includes(commonName), `the certificate names ${certificate.dns_names}, not ${commonName}`);
  log(`certificate ${certificate.id} issued, serial ${certificate.serial_number}, until ${certificate.not_after}`);

  const hosting = expect('createHosting', await createHosting({
    headers: once(), body: { domain: name, plan: '10k', email: 'wanjiru@example.co.ke', customer_id: customer.id },
  }), 201).data;
  check(hosting.status === 'active' && hosting.plan === '10k', `createHosting: ${JSON.stringify(hosting)}`);
  check(typeof hosting.password === 'string' && hosting.password.length > 0, 'createHosting: no generated password');
  log(`firewall package ${hosting.id} (${hosting.plan}) active`);

  const test = expect('testWebhookEndpoint', await testWebhookEndpoint({ headers: once(), path: { id: endpoint.id }, body: {} }), 202).data;
  log(`test delivery ${test.id} queued`);

  // The events, as listed and as delivered: each one the flow caused, with a valid signature.
  const expected = ['customer.created', 'domain.registered', 'dns_record.created', 'ssl.issued', 'hosting.provisioned',
    'webhook_endpoint.test'];
  const deadline = Date.now() + 20000;
  const arrived = () => new Set(deliveries.filter((d) => verifySignature(d, endpoint.secret)).map((d) => d.event));
  while (!expected.every((type) => arrived().has(type)) && Date.now() < deadline) await sleep(200);
  const missing = expected.filter((type) => !arrived().has(type));
  check(!missing.length, `events not delivered with a valid signature within 20 s: ${missing.join(', ')} ` +
    `(received: ${deliveries.map((d) => `${d.event}${verifySignature(d, endpoint.secret) ? '' : ' (bad signature)'}`).join(', ') || 'nothing'})`);
  const forged = deliveries.filter((d) => !verifySignature(d, endpoint.secret));
  check(!forged.length, `deliveries with a bad signature: ${forged.map((d) => d.event).join(', ')}`);

  const events = expect('listEvents', await listEvents({ query: { limit: 100 } }), 200).data;
  for (const delivery of deliveries) {
    const body = JSON.parse(delivery.body) as { id: string; type: string };
    check(body.id === delivery.eventId && body.type === delivery.event, `delivery ${delivery.deliveryId}: headers and body disagree`);
    check(events.some((e) => e.id === body.id), `the delivered event ${body.id} (${body.type}) is not in listEvents`);
    const event = expect('getEvent', await getEvent({ path: { id: body.id } }), 200).data;
    check(event.type === body.type, `getEvent ${body.id}: type ${event.type}, delivered as ${body.type}`);
  }
  const sent = expect('listWebhookDeliveries', await listWebhookDeliveries({ path: { id: endpoint.id } }), 200).data;
  check(sent.length >= expected.length, `listWebhookDeliveries lists ${sent.length} deliveries`);
  log(`${deliveries.length} deliveries arrived, every signature valid: ${[...new Set(deliveries.map((d) => d.event))].join(', ')}`);
}

main().then(() => {
  receiver.close();
  log('client_flow: the whole flow passed');
}, (error: unknown) => {
  console.error(`client_flow: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
