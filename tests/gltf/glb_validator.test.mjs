// The Khronos glTF validator on the builtin glb generator's output, through the real binary:
// POST /api/external/content, poll until completed, download the signed storage URL, validate.
// Usage: node glb_validator.test.mjs /path/to/agentd
import validator from 'gltf-validator';
import assert from 'node:assert/strict';
import { startAgentd } from './agentd_child.mjs';

const agentd = await startAgentd(process.argv[2], 'gltf');

try {
  const { key, port } = agentd;
  const base = `http://127.0.0.1:${port}`;
  const headers = { 'X-API-Key': key, 'Content-Type': 'application/json' };
  for (const [prompt, input] of [['a twisted coral reef', {}], ['a smooth pebble', { segments: 8 }], ['a spiky sea urchin', { segments: 128 }]]) {
    const created = await (await fetch(`${base}/api/external/content`, {
      method: 'POST', headers, body: JSON.stringify({ prompt, content_type: 'glb', input }),
    })).json();
    let item;
    const deadline = Date.now() + 20000;
    do {
      item = await (await fetch(`${base}/api/external/content/${created.id}`, { headers })).json();
      if (item.status === 'completed' || item.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    assert.equal(item.status, 'completed', JSON.stringify(item));
    const file = await fetch(item.storage_url);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'model/gltf-binary');
    const bytes = new Uint8Array(await file.arrayBuffer());
    const report = await validator.validateBytes(bytes);
    assert.equal(report.issues.numErrors, 0, JSON.stringify(report.issues.messages.slice(0, 5)));
    assert.equal(report.issues.numWarnings, 0, JSON.stringify(report.issues.messages.slice(0, 5)));
    assert.equal(report.info.totalVertexCount > 0, true);
    console.log(`glb "${prompt}": ${bytes.length} bytes, ${report.info.totalVertexCount} vertices, ` +
                `${report.info.totalTriangleCount} triangles, ${report.issues.numErrors} errors, ${report.issues.numWarnings} warnings`);
  }
} finally {
  agentd.stop();
}
