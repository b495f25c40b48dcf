// The official OpenAI Node SDK against the real agentd binary: a plain and a streamed chat
// completion and models.list(), at both mounts (/v1 and /api/external/v1).
// Usage: node openai_sdk.test.mjs /path/to/agentd
import OpenAI from 'openai';
import assert from 'node:assert/strict';
import { startAgentd } from './agentd_child.mjs';

const agentd = await startAgentd(process.argv[2], 'sdk');

try {
  const { key, port } = agentd;
  for (const mount of ['/v1', '/api/external/v1']) {
    const client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${port}${mount}`, maxRetries: 0 });

    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === 'orchestrator' && m.object === 'model'), 'models.list() names the orchestrator');

    const question = [{ role: 'user', content: 'hello there' }];
    const plain = await client.chat.completions.create({ model: 'orchestrator', messages: question });
    assert.match(plain.id, /^chatcmpl-/);
    assert.equal(plain.object, 'chat.completion');
    assert.equal(plain.choices.length, 1);
    assert.equal(plain.choices[0].message.role, 'assistant');
    assert.equal(plain.choices[0].finish_reason, 'stop');
    assert.ok(plain.choices[0].message.content.length > 0);
    assert.equal(plain.usage.total_tokens, plain.usage.prompt_tokens + plain.usage.completion_tokens);
    assert.match(plain.session_id, /^[0-9a-f-]{36}$/);

    const stream = await client.chat.completions.create({
      model: 'orchestrator', messages: question, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let finish = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    assert.equal(text, plain.choices[0].message.content, 'the stream says what the plain answer says');
    assert.equal(finish, 'stop');
    assert.ok(chunks > 3);
    assert.ok(usage && usage.completion_tokens > 0, 'include_usage sends usage last');
    console.log(`${mount}: models.list, plain and streamed completions ok (${chunks} chunks)`);
  }
} finally {
  agentd.stop();
}
