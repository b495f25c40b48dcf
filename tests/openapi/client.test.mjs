// The generated client: TypeScript types from the real binary's /openapi.json
// (openapi-typescript), a flow written against them (client_flow.ts, openapi-fetch) checked by
// the compiler, then run against the same binary.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { startAgentd } from './agentd_child.mjs';

const agentd = await startAgentd(process.argv[2], 'openapi-client');
try {
  const url = `http://127.0.0.1:${agentd.port}`;
  writeFileSync('openapi.json', await (await fetch(`${url}/openapi.json`)).text());
  const run = (cmd, args, env = {}) =>
    execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  run('npx', ['openapi-typescript', 'openapi.json', '-o', 'schema.d.ts']);
  run('npx', ['tsc', '-p', 'tsconfig.json']);
  writeFileSync('out/package.json', '{"type":"module"}');
  run('node', ['out/client_flow.js'], { AGENTD_URL: url, AGENTD_KEY: agentd.key });
} finally {
  agentd.stop();
}
