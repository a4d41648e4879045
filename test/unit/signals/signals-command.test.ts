import { PassThrough, Readable, Writable } from 'node:stream';
import { signalsCommand } from '../../../server/cli/commands/signals';
import { CliUsageError, type CliIo } from '../../../server/cli/io';

function io(input: string | Readable): { io: CliIo; out: () => string } {
  let out = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });
  const stdin = typeof input === 'string' ? Readable.from([input]) : input;
  return { io: { stdin, stdout, stderr: new PassThrough(), cwd: process.cwd(), interactive: false }, out: () => out };
}

describe('baton signals', () => {
  it('writes one JSON object per non-blank input line', async () => {
    const t = io('I want to cancel my subscription\n\n   \nthe weather is nice today\r\nplease remove me from your list');
    expect(await signalsCommand([], t.io)).toBe(0);
    const lines = t
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.text)).toEqual([
      'I want to cancel my subscription',
      'the weather is nice today',
      'please remove me from your list',
    ]);
    expect(lines.map((l) => l.intent)).toEqual(['cancellation', 'other', 'unsubscribe']);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['intent', 'intentConfidence', 'language', 'sentiment', 'sentimentLabel', 'text', 'urgency']);
    }
  });

  it('streams: answers a line before the input has ended', async () => {
    const stdin = new PassThrough();
    const t = io(stdin);
    const done = signalsCommand([], t.io);
    stdin.write('Can we book a demo?\n');
    while (!t.out().includes('\n')) await new Promise((r) => setTimeout(r, 5));
    expect(JSON.parse(t.out()) as unknown).toMatchObject({ intent: 'demo_request' });
    stdin.end('thanks!\n');
    expect(await done).toBe(0);
    expect(t.out().trim().split('\n')).toHaveLength(2);
  });

  it('handles many lines', async () => {
    const input = Array.from({ length: 3000 }, (_, i) => (i % 2 === 0 ? 'stop emailing me' : 'how do I reset my password')).join('\n');
    const t = io(input);
    expect(await signalsCommand([], t.io)).toBe(0);
    expect(t.out().trim().split('\n')).toHaveLength(3000);
  });

  it('prints the language of every line: an ISO 639-1 code, or und when nothing tells', async () => {
    const t = io('Quiero cancelar mi suscripción\nJe veux parler à un conseiller\nI was charged twice\nok\n');
    expect(await signalsCommand([], t.io)).toBe(0);
    const lines = t
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.language)).toEqual(['es', 'fr', 'en', 'und']);
    expect(lines[0]).toMatchObject({ intent: 'cancellation' });
  });

  it('rejects unexpected arguments as a usage error', async () => {
    await expect(signalsCommand(['--model', 'x'], io('').io)).rejects.toBeInstanceOf(CliUsageError);
  });
});
