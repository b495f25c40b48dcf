// A client generated from /openapi.json (openapi-typescript types, openapi-fetch calls), typed
// end to end by the compiler: create a knowledge base, upload a file, poll its indexing, create
// an agent on it, and chat. Run by client.test.mjs against the real binary.
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const baseUrl = process.env.AGENTD_URL!;
const client = createClient<paths>({ baseUrl, headers: { 'X-API-Key': process.env.AGENTD_KEY! } });

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

const created = await client.POST('/api/external/rag/datastores', { body: { display_name: 'Handbook' } });
check(created.data, `create datastore: ${JSON.stringify(created.error)}`);
const datastoreId: string = created.data.datastore_id;

const text = 'Refunds are paid within 30 days of the request.';
const uploaded = await client.POST('/api/external/rag/upload', {
  body: { datastore_id: datastoreId, files: [{ filename: 'policy.txt', content: Buffer.from(text).toString('base64') }] },
});
check(uploaded.data, `upload: ${JSON.stringify(uploaded.error)}`);
const uploadId: string = uploaded.data.uploads[0].upload_id;

const deadline = Date.now() + 30_000;
for (;;) {
  const status = await client.GET('/api/external/rag/uploads/{upload_id}', { params: { path: { upload_id: uploadId } } });
  check(status.data, `upload status: ${JSON.stringify(status.error)}`);
  if (status.data.status === 'completed') break;
  check(status.data.status !== 'failed', `indexing failed: ${status.data.error_message}`);
  check(Date.now() < deadline, 'indexing did not finish');
  await new Promise((r) => setTimeout(r, 200));
}

const agent = await client.POST('/api/external/agents', {
  body: { name: 'Support', description: 'refunds and shipping', tools: ['rag_search'], datastore_ids: [datastoreId] },
});
check(agent.data, `create agent: ${JSON.stringify(agent.error)}`);

const chat = await client.POST('/v1/chat/completions', {
  body: { messages: [{ role: 'user', content: 'When are refunds paid?' }] },
});
check(chat.data, `chat: ${JSON.stringify(chat.error)}`);
// The route may also stream (text/event-stream); this request did not ask to.
check(typeof chat.data !== 'string', 'a plain request was answered as a stream');
const answer = chat.data.choices[0].message.content ?? '';
check(answer.includes('30 days'), `the answer does not hold the fact: ${answer}`);

// A refusal comes back typed as the error of the route's dialect.
const missing = await client.GET('/api/external/rag/uploads/{upload_id}', { params: { path: { upload_id: 'nope' } } });
check(missing.response.status === 404 && missing.error, 'an unknown upload is not a 404');

console.log(`ok: datastore ${datastoreId}, upload ${uploadId} indexed, agent ${agent.data.agent_id}, answer: ${answer.slice(0, 80)}`);
