import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerReplies } from './worker-replies.js';

interface Echo {
  id: number;
  text: string;
}

// A real worker thread: holds requests until told to answer them (in reverse order), or fails as told.
const code = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const held = [];
parentPort.on('message', (m) => {
  if (m.do === 'hold') held.push(m);
  else if (m.do === 'answer-held') { while (held.length) { const h = held.pop(); parentPort.postMessage({ id: h.id, text: h.text + '!' }); } }
  else if (m.do === 'echo') parentPort.postMessage({ id: m.id, text: m.text + '!' });
  else if (m.do === 'echo-bytes') parentPort.postMessage({ id: m.id, text: String(m.bytes.byteLength) });
  else if (m.do === 'throw') throw new Error('the worker broke');
  else if (m.do === 'exit') process.exit(3);
});`;

const started: Worker[] = [];
function worker(): Worker {
  const w = new Worker(code, { eval: true });
  started.push(w);
  return w;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

describe('WorkerReplies', () => {
  it('resolves each request with the reply of its id, in whatever order the worker answers', async () => {
    const replies = new WorkerReplies<Echo>(worker(), 'a test worker');
    expect(replies.answered).toBe(false);
    const first = replies.request((id) => ({ id, do: 'hold', text: 'first' }));
    const second = replies.request((id) => ({ id, do: 'hold', text: 'second' }));
    expect(replies.inHand).toBe(2);
    replies.post({ do: 'answer-held' }); // answers second, then first
    expect(await first).toMatchObject({ text: 'first!' });
    expect(await second).toMatchObject({ text: 'second!' });
    expect(replies.inHand).toBe(0);
    expect(replies.answered).toBe(true);
    expect(replies.failure).toBeUndefined();
  });

  it('moves what it is told to transfer instead of copying it', async () => {
    const replies = new WorkerReplies<Echo>(worker(), 'a test worker');
    const bytes = new Uint8Array(1024);
    const reply = replies.request((id) => ({ id, do: 'echo-bytes', bytes }), [bytes.buffer]);
    expect(bytes.byteLength).toBe(0); // detached here
    expect(await reply).toMatchObject({ text: '1024' });
  });

  it('rejects every request in hand with the error of a worker that throws, and refuses the next ones with it', async () => {
    const replies = new WorkerReplies<Echo>(worker(), 'a test worker');
    const held = replies.request((id) => ({ id, do: 'hold', text: 'held' }));
    const breaking = replies.request((id) => ({ id, do: 'throw' }));
    await expect(held).rejects.toThrow('the worker broke');
    await expect(breaking).rejects.toThrow('the worker broke');
    expect(replies.inHand).toBe(0);
    expect((replies.failure as Error).message).toBe('the worker broke');
    await expect(replies.request((id) => ({ id, do: 'echo', text: 'later' }))).rejects.toThrow('the worker broke');
  });

  it('rejects what is in hand when the worker exits, naming the worker and its exit code', async () => {
    const replies = new WorkerReplies<Echo>(worker(), 'a test worker');
    const held = replies.request((id) => ({ id, do: 'hold', text: 'held' }));
    replies.post({ do: 'exit' });
    await expect(held).rejects.toThrow('a test worker exited (code 3)');
    expect((replies.failure as Error).message).toBe('a test worker exited (code 3)');
  });

  it('terminated with a reason, rejects what is in hand and what comes later with that reason; without one, with the exit', async () => {
    const withReason = new WorkerReplies<Echo>(worker(), 'a test worker');
    const held = withReason.request((id) => ({ id, do: 'hold', text: 'held' }));
    await withReason.terminate(new Error('closed'));
    await expect(held).rejects.toThrow('closed');
    await expect(withReason.request((id) => ({ id, do: 'echo', text: 'later' }))).rejects.toThrow('closed');

    const without = new WorkerReplies<Echo>(worker(), 'a test worker');
    const alsoHeld = without.request((id) => ({ id, do: 'hold', text: 'held' }));
    await without.terminate();
    await expect(alsoHeld).rejects.toThrow(/^a test worker exited \(code \d+\)$/);
  });

  it('keeps the process alive while a reply is awaited, and not while the worker is idle', async () => {
    // a process of its own, where nothing else holds the event loop: it prints the reply (which
    // comes 300 ms after the request) only if the awaited reply kept it alive, and it ends only if
    // the idle worker, before its first request and after its reply, does not hold it
    const source = new URL('./worker-replies.ts', import.meta.url).href;
    const run = async (body: string) => {
      const script = `
        import { Worker } from 'node:worker_threads';
        import { WorkerReplies } from ${JSON.stringify(source)};
        const worker = new Worker("const { parentPort } = process.getBuiltinModule('node:worker_threads'); parentPort.on('message', (m) => setTimeout(() => parentPort.postMessage({ id: m.id, text: 'late' }), 300))", { eval: true });
        const replies = new WorkerReplies(worker, 'a test worker');
        ${body}`;
      // held by the idle worker, it would not end: killed after 10 s, which rejects
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
      return stdout.trim();
    };
    const [asked, neverAsked] = await Promise.all([run(`await new Promise((r) => setTimeout(r, 200)); console.log((await replies.request((id) => ({ id }))).text);`), run(`console.log('started');`)]);
    expect(asked).toBe('late');
    expect(neverAsked).toBe('started');
  });
});
