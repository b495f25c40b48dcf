// Every answer the integration tests received (their response log, tests/integration/harness.cpp)
// checked against /openapi.json of the real binary: the route and method are documented, the
// status is one of the operation's, the Content-Type is the documented one, a JSON body
// validates against the schema for that status, and a JSON request the route accepted (2xx)
// validates against its request schema (Ajv, JSON Schema 2020-12). A mismatch names the test
// that saw it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startAgentd } from './agentd_child.mjs';

const [binary, logDir] = process.argv.slice(2);
const agentd = await startAgentd(binary, 'openapi-responses');
let doc;
try {
  doc = await (await fetch(`http://127.0.0.1:${agentd.port}/openapi.json`)).json();
} finally {
  agentd.stop();
}

// Path templates, literal segments before parameters (as the server's router matches).
const templates = Object.keys(doc.paths).map((path) => {
  const segments = path.split('/').filter(Boolean);
  return { path, segments, literals: segments.filter((s) => !s.startsWith('{')).length };
});
templates.sort((a, b) => b.literals - a.literals);
function route(target) {
  const path = decodeURIComponent(target.split('?')[0]);
  const parts = path.split('/').filter(Boolean);
  return templates.find((t) => t.segments.length === parts.length && t.segments.every((s, i) => s.startsWith('{') || s === parts[i]));
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map();
function validator(key, schema) {
  if (!validators.has(key)) validators.set(key, ajv.compile(schema));
  return validators.get(key);
}

// The transport's own refusals come before routing and are not an operation's answers.
const transport = new Set([408, 413, 414, 431, 503]);
const failures = [];
let checked = 0, bodies = 0, skipped = 0, requests = 0;
for (const file of readdirSync(logDir)) {
  for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    const t = route(r.target);
    const op = t && doc.paths[t.path][r.method.toLowerCase()];
    // Paths and methods no route has (404, 405) are the dialects' fallbacks, tested as such.
    if (!op || transport.has(r.status)) {
      skipped++;
      continue;
    }
    checked++;
    const where = `${r.test}: ${r.method} ${r.target} -> ${r.status}`;
    // A JSON request the route accepted must fit its declared request body.
    const declared = op.requestBody?.content?.['application/json']?.schema;
    if (r.request !== undefined && r.status < 300) {
      let sent;
      try {
        sent = JSON.parse(r.request);
      } catch {
        sent = undefined;
      }
      if (sent !== undefined && !declared) failures.push(`${where}: accepted a JSON body, and none is documented`);
      else if (sent !== undefined) {
        const accepts = validator(`${t.path} ${r.method} request`, declared);
        if (!accepts(sent)) failures.push(`${where}: accepted a request outside its schema: ${ajv.errorsText(accepts.errors)}\n    sent: ${r.request.slice(0, 300)}`);
        else requests++;
      }
    }
    const response = op.responses[String(r.status)];
    if (!response) {
      failures.push(`${where}: status ${r.status} is not documented for ${r.method} ${t.path}`);
      continue;
    }
    if (!response.content) {
      if (![204, 304, 416].includes(r.status)) failures.push(`${where}: documented without a body`);
      continue;
    }
    const type = (r.content_type || '').split(';')[0].trim();
    const media = Object.keys(response.content).find((m) => m === type || m === '*/*' || (m.endsWith('/*') && type.startsWith(m.slice(0, -1))));
    if (!media) {
      failures.push(`${where}: Content-Type ${type || '(none)'} is not one of ${Object.keys(response.content).join(', ')}`);
      continue;
    }
    if (media !== 'application/json' || r.body === undefined) continue;
    bodies++;
    const validate = validator(`${t.path} ${r.method} ${r.status}`, response.content[media].schema);
    let body;
    try {
      body = JSON.parse(r.body);
    } catch {
      failures.push(`${where}: the body is not JSON`);
      continue;
    }
    if (!validate(body))
      failures.push(`${where}: ${ajv.errorsText(validate.errors)}\n    body: ${r.body.slice(0, 300)}`);
  }
}
console.log(`${checked} answers checked (${bodies} JSON bodies validated, ${requests} accepted requests fit their schema), ` +
            `${skipped} not routed or refused by the transport`);
if (failures.length) {
  const unique = [...new Set(failures)];
  console.error(`${unique.length} answers do not match /openapi.json:\n` + unique.slice(0, 60).join('\n'));
  process.exit(1);
}
if (checked < 500) {
  console.error('too few answers in the log: did the integration tests run with AGENTD_RESPONSE_LOG?');
  process.exit(1);
}
