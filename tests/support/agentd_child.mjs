// The real agentd binary for the Node tests (tests/sdk, tests/gltf): `agentd serve` on a free
// loopback port with a temporary data directory; resolves with the bootstrap key and the port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';

export function startAgentd(binary, name) {
  const dataDir = mkdtempSync(join(tmpdir(), `agentd-${name}-`));
  const server = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, AGENTD_LOG_LEVEL: 'warn' },
  });
  const stop = () => {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    let key;
    const timer = setTimeout(() => reject(new Error('agentd did not start')), 10000);
    readline.createInterface({ input: server.stdout }).on('line', (line) => {
      const k = line.match(/bootstrap key: (agd_live_\w+)/);
      if (k) key = k[1];
      const l = line.match(/listening on [\d.]+:(\d+)/);
      if (l) {
        clearTimeout(timer);
        resolve({ key, port: Number(l[1]), stop });
      }
    });
    server.on('exit', (code) => reject(new Error(`agentd exited with ${code}`)));
  });
}
