#!/usr/bin/env node
// Generates the Postman collection (v2.1) of the Portico API from its OpenAPI document:
// every operation as one request, in folders by tag, ordered so the whole collection runs
// green against a fresh gateway (create before read, destructive calls last).
//
//   node tools/postman.mjs                     # from `build/gateway/portico openapi`, writes
//                                              # docs/portico.postman_collection.json
//   node tools/postman.mjs --document FILE     # from a document (JSON) instead
//   node tools/postman.mjs --out FILE          # write elsewhere ("-": stdout)
//   node tools/postman.mjs --check FILE        # exit 1 when FILE differs from what it would write
//
// What each request gets:
//   - the URL on {{base_url}}, path parameters as Postman path variables (:id) whose value is a
//     collection variable when an earlier request captures it, else the document's example;
//     query parameters with their examples, the optional ones disabled;
//   - the body from the operation's requestBody example, ids in it replaced by the variables;
//   - bearer auth {{api_key}} from the collection (none where the operation has `security: []`),
//     an Idempotency-Key {{$guid}} on every POST and PATCH;
//   - a test asserting the documented 2xx status, X-Request-Id, and the basics of `data` (an
//     object of the documented `object` with its required fields, or a list of them), and the
//     captures: a create stores the new object's key (customer_id, domain_id, dns_record_id,
//     email_forward_prefix, ...), a list whose collection has no create stores its first item's.
// The output is deterministic (ids are derived from operationIds and tags), so a test can
// check the committed collection is what the current document makes.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

// What the document cannot say: the few places where running the operations in a generic
// order against one set of objects would not work, each with its reason. Every other
// operation, including ones added later, is placed and filled by the generic rules.
const OVERRIDES = {
  // The customer publishes the DCV record between the order and this call (tests/contract/
  // newman_run.mjs does it the way a partner's customer would), so it comes right after the
  // order, before the reads that expect an issued certificate (the private key, reissue).
  verifyCertificate: {
    rank: 0.5,
    note: 'First publish the DNS record the order answered at the domain\'s DNS host: the ' +
      'order\'s test stored its name and value in the collection variables dcv_record_name and ' +
      'dcv_record_value (type TXT).',
  },
  createCertificate: {
    capture: {
      dcv_record_name: 'data.validations[0].instructions.record_name',
      dcv_record_value: 'data.validations[0].instructions.record_value',
    },
  },
  // A test event right after the endpoint exists, so its deliveries are not an empty list.
  testWebhookEndpoint: { rank: 0.5 },
  // The endpoint is yours: set webhook_url to a receiver you run.
  createWebhookEndpoint: { body: { url: '{{webhook_url}}' } },
  // The transfer answers a new domain (pending_transfer); keep it apart from the registered one.
  transferDomain: { capture: { transferred_domain_id: 'data.id' } },
  // Releasing the registered domain (Teardown) leaves nothing to delete at the supplier, so the
  // delete takes the domain the transfer started.
  deleteDomain: {
    path: { id: 'transferred_domain_id' },
    note: 'Deletes the domain the transfer request started; the registered one is released in ' +
      'Teardown.',
  },
  // Pushes the domain to another registrar: like a DELETE, nothing can be done with it after.
  releaseDomain: { destroys: true },
};

// ---------------------------------------------------------------------------------------------

function parseArguments(argv) {
  const options = { document: null, out: path.join(root, 'docs/portico.postman_collection.json'), check: null };
  for (let i = 0; i < argv.length; ++i) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!['--document', '--out', '--check'].includes(name) || value === undefined) {
      throw new Error(`usage: node tools/postman.mjs [--document FILE] [--out FILE|-] [--check FILE] (at "${name}")`);
    }
    options[name.slice(2)] = value;
    ++i;
  }
  return options;
}

function loadDocument(file) {
  if (file) return JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  const binary = process.env.PORTICO_BINARY || path.join(root, 'build/gateway/portico');
  if (!fs.existsSync(binary)) throw new Error(`no ${binary}: build it, or pass --document FILE`);
  return JSON.parse(execFileSync(binary, ['openapi'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

// A UUID (version 5 layout) from a name, so the collection's ids never change by themselves.
export function postmanId(name) {
  const hex = createHash('sha1').update(`portico-postman:${name}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

class Document {
  constructor(doc) {
    this.doc = doc;
  }

  deref(node, seen = new Set()) {
    while (node && typeof node === 'object' && typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) throw new Error(`circular $ref ${node.$ref}`);
      seen.add(node.$ref);
      if (!node.$ref.startsWith('#/')) throw new Error(`external $ref ${node.$ref} is not supported`);
      const target = node.$ref.slice(2).split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((at, key) => (at === undefined ? undefined : at[key]), this.doc);
      if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
      node = target;
    }
    return node;
  }

  // What an instance of `schema` has for sure: the `object` values it may take and the
  // properties every alternative requires.
  shape(schema, depth = 0) {
    schema = this.deref(schema);
    if (!schema || typeof schema !== 'object' || depth > 20) return { type: undefined, objects: null, required: [] };
    const merge = (parts, all) => {
      const shapes = parts.map((part) => this.shape(part, depth + 1));
      if (all) {
        const objects = shapes.map((s) => s.objects).filter(Boolean);
        return {
          type: shapes.map((s) => s.type).find(Boolean),
          objects: objects.length ? objects.reduce((a, b) => a.filter((x) => b.includes(x))) : null,
          required: [...new Set(shapes.flatMap((s) => s.required))],
        };
      }
      const types = [...new Set(shapes.map((s) => s.type))];
      return {
        type: types.length === 1 ? types[0] : undefined,
        objects: shapes.every((s) => s.objects) ? [...new Set(shapes.flatMap((s) => s.objects))].sort() : null,
        required: shapes.map((s) => s.required).reduce((a, b) => a.filter((x) => b.includes(x))),
      };
    };
    let own = {
      type: Array.isArray(schema.type) ? undefined : schema.type ?? (schema.properties ? 'object' : undefined),
      objects: null,
      required: Array.isArray(schema.required) ? [...schema.required] : [],
    };
    const object = this.deref(schema.properties?.object);
    if (object?.enum) own.objects = [...object.enum].sort();
    else if (object?.const !== undefined) own.objects = [object.const];
    if (schema.items) own.items = schema.items;
    if (schema.properties) own.properties = schema.properties;
    const parts = [];
    if (schema.allOf) parts.push(merge(schema.allOf, true));
    if (schema.oneOf) parts.push(merge(schema.oneOf, false));
    if (schema.anyOf) parts.push(merge(schema.anyOf, false));
    for (const part of parts) {
      own = {
        ...own,
        type: own.type ?? part.type,
        objects: own.objects ?? part.objects,
        required: [...new Set([...own.required, ...part.required])],
      };
    }
    return own;
  }

  operations() {
    const operations = [];
    for (const [route, item] of Object.entries(this.doc.paths ?? {})) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        if (!operation.operationId) throw new Error(`${method.toUpperCase()} ${route} has no operationId`);
        const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) => this.deref(p));
        operations.push({ route, method, operation, parameters, index: operations.length });
      }
    }
    return operations;
  }

  // The lowest documented 2xx status and the shape of its body.
  success(operation) {
    const codes = Object.keys(operation.responses ?? {}).filter((code) => /^2\d\d$/.test(code)).sort();
    if (!codes.length) throw new Error(`${operation.operationId} documents no 2xx answer`);
    const response = this.deref(operation.responses[codes[0]]);
    const media = response.content?.['application/json'];
    const body = media?.schema ? this.deref(media.schema) : null;
    const headers = Object.keys(response.headers ?? {}).map((h) => h.toLowerCase());
    return { status: Number(codes[0]), description: response.description ?? '', body, headers, json: !!media };
  }
}

const segmentsOf = (route) => route.split('/').filter(Boolean);
const isParameter = (segment) => /^\{[^}]+\}$/.test(segment);
const parameterName = (segment) => segment.slice(1, -1);

function singular(word) {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('ses')) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

// ---------------------------------------------------------------------------------------------

export function generate(raw) {
  const doc = new Document(raw);
  const operations = doc.operations();
  for (const entry of operations) entry.success = doc.success(entry.operation);
  const byId = new Map(operations.map((entry) => [entry.operation.operationId, entry]));
  for (const id of Object.keys(OVERRIDES)) {
    if (!byId.has(id)) throw new Error(`tools/postman.mjs has an override for ${id}, which the document no longer has`);
  }

  // Collections: a path prefix that a parameter follows somewhere (/api/v1/customers is one,
  // since /api/v1/customers/{id} exists). Its key is `id` when it has one, else its only
  // parameter; another parameter after it (a domain's {name}) is a name, not a captured key.
  const collections = new Map();
  for (const { route } of operations) {
    const segments = segmentsOf(route);
    segments.forEach((segment, i) => {
      if (!isParameter(segment) || i === 0) return;
      const prefix = `/${segments.slice(0, i).join('/')}`;
      const entry = collections.get(prefix) ?? { prefix, parameters: new Set() };
      entry.parameters.add(parameterName(segment));
      collections.set(prefix, entry);
    });
  }
  const objectOf = (prefix) => {
    const candidates = operations.filter((e) => e.route === prefix || (e.route.startsWith(`${prefix}/{`) && segmentsOf(e.route).length === segmentsOf(prefix).length + 1));
    for (const entry of candidates) {
      const data = entry.success.body?.properties?.data;
      if (!data) continue;
      const shape = doc.shape(data);
      const objects = shape.type === 'array' ? doc.shape(shape.items).objects : shape.objects;
      if (objects?.length === 1) return objects[0];
    }
    return singular(segmentsOf(prefix).at(-1)).replace(/[^A-Za-z0-9]+/g, '_');
  };
  for (const entry of collections.values()) {
    entry.key = entry.parameters.has('id') ? 'id' : entry.parameters.size === 1 ? [...entry.parameters][0] : null;
    entry.object = objectOf(entry.prefix);
    if (entry.key) {
      // dns_record_id for {record}, webhook_delivery_id for {delivery_id}, glue_record_host for
      // {host} (a glue record is named by its host, which its create answers in full).
      const keyIsId = entry.key === 'id' || entry.key.endsWith('_id') || entry.object.endsWith(entry.key);
      entry.variable = keyIsId ? `${entry.object}_id` : `${entry.object}_${entry.key}`;
      entry.field = keyIsId ? 'id' : entry.key;
    }
  }

  // Each path parameter: a captured variable (the collection's key) or the document's example.
  const variables = new Map();  // name -> default value (the document's example)
  const example = (parameter) => {
    const value = parameter.example ?? parameter.schema?.example ?? parameter.schema?.default
      ?? Object.values(parameter.examples ?? {})[0]?.value ?? parameter.schema?.enum?.[0];
    return value === undefined ? '' : String(value);
  };
  for (const entry of operations) {
    const segments = segmentsOf(entry.route);
    entry.pathVariables = [];
    segments.forEach((segment, i) => {
      if (!isParameter(segment)) return;
      const name = parameterName(segment);
      const parameter = entry.parameters.find((p) => p.in === 'path' && p.name === name);
      if (!parameter) throw new Error(`${entry.operation.operationId}: path parameter {${name}} is not declared`);
      const collection = collections.get(`/${segments.slice(0, i).join('/')}`);
      const override = OVERRIDES[entry.operation.operationId]?.path?.[name];
      let variable = null;
      if (override) variable = override;
      else if (collection?.key === name) variable = collection.variable;
      if (variable && !variables.has(variable)) variables.set(variable, example(parameter));
      entry.pathVariables.push({ name, parameter, variable, example: example(parameter), collection });
    });
  }
  // An example id that names a variable's object stands for that variable in bodies and queries.
  const exampleToVariable = new Map();
  for (const entry of operations) {
    for (const pv of entry.pathVariables) {
      if (pv.variable && pv.example && !exampleToVariable.has(pv.example)) exampleToVariable.set(pv.example, pv.variable);
    }
  }
  const substitute = (value) => {
    if (typeof value === 'string') return exampleToVariable.has(value) ? `{{${exampleToVariable.get(value)}}}` : value;
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    return value;
  };

  // Captures: a create stores the new object's key; so does a list whose collection has no
  // create (events, orders, invoices, deliveries), from its newest item.
  for (const entry of operations) {
    entry.captures = [];
    const collection = collections.get(entry.route);
    // A create: a POST answering 201 on a collection itself (a renewal's 201 on an item is not).
    const isCreate = entry.method === 'post' && entry.success.status === 201 && !!collection;
    entry.isCreate = isCreate;
    if (collection?.variable && isCreate) {
      entry.captures.push({ variable: collection.variable, from: `data.${collection.field}` });
    }
  }
  for (const entry of operations) {
    const collection = collections.get(entry.route);
    if (!collection?.variable || entry.method !== 'get') continue;
    const created = operations.some((e) => e.route === entry.route && e.isCreate);
    const shape = entry.success.body?.properties?.data ? doc.shape(entry.success.body.properties.data) : null;
    if (!created && shape?.type === 'array') {
      entry.captures.push({ variable: collection.variable, from: `data[0].${collection.field}`, list: true });
    }
  }
  for (const entry of operations) {
    for (const [variable, from] of Object.entries(OVERRIDES[entry.operation.operationId]?.capture ?? {})) {
      entry.captures.push({ variable, from });
      if (!variables.has(variable)) variables.set(variable, '');
    }
  }
  for (const entry of operations) {
    for (const capture of entry.captures) if (!variables.has(capture.variable)) variables.set(capture.variable, '');
  }

  // Order: folders in the document's tag order; in a folder, creates, reads (lists first),
  // updates, other actions, then destructive calls. A destructive call whose object a later
  // folder still uses moves to the Teardown folder at the end.
  const tagOrder = (raw.tags ?? []).map((t) => t.name);
  for (const entry of operations) {
    const tag = entry.operation.tags?.[0];
    if (!tag) throw new Error(`${entry.operation.operationId} has no tag`);
    if (!tagOrder.includes(tag)) tagOrder.push(tag);
    entry.tag = tag;
    const override = OVERRIDES[entry.operation.operationId] ?? {};
    const itemCall = isParameter(segmentsOf(entry.route).at(-1));
    entry.destroys = entry.method === 'delete' || !!override.destroys;
    entry.rank = override.rank ?? (
      entry.destroys ? 4
        : entry.isCreate ? 0
          : entry.method === 'get' ? (itemCall ? 1.5 : 1)
            : entry.method === 'patch' || entry.method === 'put' ? 2
              : entry.method === 'post' && !entry.pathVariables.length ? 1
                : 3);
  }
  const folderIndex = (tag) => tagOrder.indexOf(tag);
  const usesVariable = (entry, variable) => entry.pathVariables.some((pv) => pv.variable === variable)
    || JSON.stringify(substitute(requestExample(entry) ?? null)).includes(`{{${variable}}}`);
  for (const entry of operations) {
    if (!entry.destroys) continue;
    const destroyed = entry.pathVariables.at(-1)?.variable;
    entry.teardown = !!destroyed && operations.some((other) => folderIndex(other.tag) > folderIndex(entry.tag)
      && !other.destroys && usesVariable(other, destroyed));
  }
  const byOrder = (a, b) => a.rank - b.rank || a.index - b.index;

  const folders = tagOrder.map((tag) => ({
    tag,
    description: (raw.tags ?? []).find((t) => t.name === tag)?.description ?? '',
    entries: operations.filter((e) => e.tag === tag && !e.teardown).sort(byOrder),
  })).filter((folder) => folder.entries.length);
  const teardown = operations.filter((e) => e.teardown)
    .sort((a, b) => folderIndex(b.tag) - folderIndex(a.tag) || byOrder(a, b));

  const item = (entry) => requestItem(doc, entry, substitute);
  const collection = {
    info: {
      _postman_id: postmanId(`collection:${raw.info?.title ?? 'Portico'}`),
      name: raw.info?.title ?? 'Portico API',
      description: [
        raw.info?.description?.trim() ?? '',
        '',
        `Generated by tools/postman.mjs from the OpenAPI document (version ${raw.info?.version ?? '?'}); ` +
          'do not edit it by hand. Set `base_url` and `api_key` (scripts/run prints a demo key) and ' +
          '`webhook_url` (a receiver of yours), then run the folders in order on a gateway that has ' +
          'none of the examples\' objects yet: each request\'s tests check the documented status ' +
          `and store the ids the next requests use. Before "${byId.get('verifyCertificate').operation.summary}", publish ` +
          'the DNS record the certificate order answered (dcv_record_name, dcv_record_value).',
      ].join('\n'),
      schema: SCHEMA,
    },
    auth: bearer(),
    item: [
      ...folders.map((folder) => ({
        id: postmanId(`folder:${folder.tag}`),
        name: folder.tag,
        description: folder.description,
        item: folder.entries.map(item),
      })),
      ...(teardown.length ? [{
        id: postmanId('folder:Teardown'),
        name: 'Teardown',
        description: 'Calls that end an object the folders before still use: run them last.',
        item: teardown.map(item),
      }] : []),
    ],
    variable: [
      { key: 'base_url', value: raw.servers?.[0]?.url ?? 'http://127.0.0.1:8080', type: 'string' },
      { key: 'api_key', value: '', type: 'string', description: 'pt_live_pk_... or pt_test_pk_...' },
      { key: 'webhook_url', value: String(requestExample(byId.get('createWebhookEndpoint') ?? {})?.url ?? ''), type: 'string',
        description: 'Where the webhook endpoint the collection creates sends events.' },
      ...[...variables].map(([key, value]) => ({ key, value, type: 'string' })),
    ],
  };
  return collection;
}

function requestExample(entry) {
  const media = entry.operation?.requestBody?.content?.['application/json'];
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = Object.values(media.examples ?? {})[0];
  return first?.value;
}

function bearer() {
  return { type: 'bearer', bearer: [{ key: 'token', value: '{{api_key}}', type: 'string' }] };
}

function requestItem(doc, entry, substitute) {
  const { operation, method, route } = entry;
  const id = operation.operationId;
  const override = OVERRIDES[id] ?? {};

  const segments = segmentsOf(route).map((segment) => (isParameter(segment) ? `:${parameterName(segment)}` : segment));
  const query = entry.parameters.filter((p) => p.in === 'query').map((p) => {
    const value = p.example ?? p.schema?.example ?? Object.values(p.examples ?? {})[0]?.value ?? p.schema?.default;
    const row = { key: p.name, value: value === undefined ? '' : String(substitute(String(value))) };
    if (p.description) row.description = p.description.trim();
    if (!p.required) row.disabled = true;
    return row;
  });
  const enabled = query.filter((q) => !q.disabled);
  const url = {
    raw: `{{base_url}}/${segments.join('/')}${enabled.length ? `?${enabled.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`,
    host: ['{{base_url}}'],
    path: segments,
  };
  if (query.length) url.query = query;
  if (entry.pathVariables.length) {
    url.variable = entry.pathVariables.map((pv) => {
      const row = { key: pv.name, value: pv.variable ? `{{${pv.variable}}}` : pv.example };
      const description = pv.parameter.description?.trim();
      if (description) row.description = description;
      return row;
    });
  }

  const header = [];
  let body;
  const exampleBody = requestExample(entry);
  if (operation.requestBody) {
    let value = exampleBody === undefined ? {} : substitute(exampleBody);
    if (override.body) value = { ...value, ...override.body };
    header.push({ key: 'Content-Type', value: 'application/json' });
    body = { mode: 'raw', raw: JSON.stringify(value, null, 2), options: { raw: { language: 'json' } } };
  }
  if (method === 'post' || method === 'patch') {
    header.push({ key: 'Idempotency-Key', value: '{{$guid}}', description: 'A new key per call; send the same again to retry it safely.' });
  }
  for (const p of entry.parameters.filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'idempotency-key' && p.required)) {
    header.push({ key: p.name, value: String(p.example ?? p.schema?.example ?? '') });
  }

  const request = {
    method: method.toUpperCase(),
    header,
    url,
    description: [operation.description?.trim(), override.note, `operationId: \`${id}\``].filter(Boolean).join('\n\n'),
  };
  if (body) request.body = body;
  if (Array.isArray(operation.security) && operation.security.length === 0) request.auth = { type: 'noauth' };

  return {
    id: postmanId(`operation:${id}`),
    name: operation.summary ?? id,
    event: [{ listen: 'test', script: { type: 'text/javascript', exec: testScript(doc, entry) } }],
    request,
  };
}

function testScript(doc, entry) {
  const { status, body, headers, json } = entry.success;
  const lines = [
    `// Generated from the OpenAPI document (${entry.operation.operationId}) by tools/postman.mjs.`,
    `pm.test("answers ${status}", function () {`,
    `    pm.response.to.have.status(${status});`,
    '});',
  ];
  if (headers.includes('x-request-id')) {
    lines.push(
      'pm.test("carries X-Request-Id", function () {',
      '    pm.response.to.have.header("X-Request-Id");',
      '});');
  }
  if (!json) return lines;
  lines.push('const body = pm.response.json();');
  const data = body?.properties?.data;
  if (data) {
    const shape = doc.shape(data);
    const quote = (list) => list.map((x) => JSON.stringify(x)).join(', ');
    const expectItem = (subject, item, indent) => {
      const out = [];
      if (item.objects?.length === 1) out.push(`${indent}pm.expect(${subject}.object).to.eql(${JSON.stringify(item.objects[0])});`);
      else if (item.objects?.length) out.push(`${indent}pm.expect(${subject}.object).to.be.oneOf([${quote(item.objects)}]);`);
      if (item.required.length) out.push(`${indent}pm.expect(${subject}).to.include.all.keys(${quote(item.required)});`);
      return out;
    };
    if (shape.type === 'array') {
      const item = doc.shape(shape.items);
      lines.push(
        `pm.test("data is a list${item.objects ? ` of ${item.objects.join(' or ')}` : ''}", function () {`,
        '    pm.expect(body.data).to.be.an("array");');
      for (const field of ['has_more', 'total']) {
        if (body.required?.includes(field)) {
          lines.push(`    pm.expect(body.${field}).to.be.a(${JSON.stringify(field === 'total' ? 'number' : 'boolean')});`);
        }
      }
      const each = expectItem('item', item, '        ');
      if (each.length) lines.push('    body.data.forEach(function (item) {', ...each, '    });');
      lines.push('});');
    } else {
      lines.push(
        `pm.test("data is ${shape.objects ? `a ${shape.objects.join(' or ')}` : 'an object'}", function () {`,
        '    pm.expect(body.data).to.be.an("object");',
        ...expectItem('body.data', shape, '    '),
        '});');
    }
    if (body.required?.includes('meta')) {
      lines.push(
        'pm.test("meta.request_id is the X-Request-Id", function () {',
        '    pm.expect(body.meta.request_id).to.eql(pm.response.headers.get("X-Request-Id"));',
        '});');
    }
  } else {
    lines.push(
      'pm.test("the body is a JSON object", function () {',
      '    pm.expect(body).to.be.an("object");',
      '});');
  }
  for (const capture of entry.captures) {
    const subject = `body.${capture.from}`;
    if (capture.list) {
      lines.push(
        `pm.test("the list has an item for {{${capture.variable}}}", function () {`,
        '    pm.expect(body.data).to.not.be.empty;',
        '});',
        `if (body.data && body.data.length) pm.collectionVariables.set(${JSON.stringify(capture.variable)}, ${subject});`);
    } else {
      // Inside pm.test: a missing field fails this test with its message, not the script.
      lines.push(
        `pm.test("stores ${capture.variable}", function () {`,
        `    const value = ${subject};`,
        '    pm.expect(value).to.be.a("string").and.not.empty;',
        `    pm.collectionVariables.set(${JSON.stringify(capture.variable)}, value);`,
        '});');
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

export function render(collection) {
  return `${JSON.stringify(collection, null, 2)}\n`;
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const text = render(generate(loadDocument(options.document)));
  if (options.check) {
    const committed = fs.existsSync(options.check) ? fs.readFileSync(options.check, 'utf8') : '';
    if (committed === text) {
      console.log(`${path.relative(process.cwd(), options.check) || options.check} is what the document makes`);
      return;
    }
    const a = committed.split('\n');
    const b = text.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) ++line;
    console.error(`${options.check} is stale: it differs from what the current document makes, from line ${line + 1}:`);
    console.error(`  committed: ${a[line] ?? '(end of file)'}`);
    console.error(`  generated: ${b[line] ?? '(end of file)'}`);
    console.error('Run `node tools/postman.mjs` and commit docs/portico.postman_collection.json.');
    process.exit(1);
  }
  if (options.out === '-') process.stdout.write(text);
  else {
    fs.writeFileSync(options.out, text);
    console.log(`wrote ${path.relative(process.cwd(), options.out)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`postman.mjs: ${error.message}`);
    process.exit(1);
  });
}
