// /openapi.json of the real binary, linted by Redocly's CLI (recommended rules,
// redocly.yaml): no errors and no warnings. The document is kept as openapi.lint.json beside it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { startAgentd } from './agentd_child.mjs';

const agentd = await startAgentd(process.argv[2], 'openapi-lint');
try {
  const res = await fetch(`http://127.0.0.1:${agentd.port}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  writeFileSync('openapi.lint.json', JSON.stringify(doc, null, 2));
  // Every dialect is in it.
  for (const prefix of ['/api/external/', '/v1/agents', '/api/v1/'])
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(prefix)), `no path under ${prefix}`);
  // Every route declares what it is: a summary of its own, and a schema for a JSON answer.
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(!op.summary.startsWith(`${method} `), `${method} ${path} has no summary of its own`);
      for (const [status, res] of Object.entries(op.responses))
        if (status.startsWith('2') && res.content?.['application/json'])
          assert.ok(Object.keys(res.content['application/json'].schema).length > 1,
                    `${method} ${path} ${status} answers JSON without a schema`);
    }
  const out = execFileSync('npx', ['redocly', 'lint', '--config', 'redocly.yaml', '--format', 'summary', 'openapi.lint.json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  console.log(out);
  assert.doesNotMatch(out, /warning|error/i, 'Redocly reports problems');
  console.log(`ok: ${Object.keys(doc.paths).length} paths, linted clean`);
} finally {
  agentd.stop();
}
