import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { resolveCommand } from '../../../server/cli/commands/resolve';
import type { CliIo } from '../../../server/cli/io';

function io(cwd: string, interactive = false): { io: CliIo; stderr: () => string } {
  const err = new PassThrough();
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: err, cwd, interactive }, stderr: () => text };
}

describe('baton resolve', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'baton-resolve-'));
    writeFileSync(path.join(dir, 'crm.csv'), 'Id,Email,First,Last,Extra\n1, Ann.Lee@Acme.io ,Ann,Lee,x\n2,bo@zeta.io,Bo,Zhang,y\n');
    writeFileSync(path.join(dir, 'support.csv'), 'Id,Email,First,Last\nz1,ann.lee@acme.io,Ann,\nz2,,Cy,Young\n');
    writeFileSync(
      path.join(dir, 'map.json'),
      JSON.stringify({ id: 'Id', fields: { email: 'Email', firstName: 'First', lastName: 'Last' } }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes source,record_id,profile_id for every input row', async () => {
    const { io: cli, stderr } = io(dir);
    const code = await resolveCommand(['crm.csv', 'support.csv', '--mapping', 'map.json', '--out', 'out.csv'], cli);
    expect(stderr()).toMatch(/resolved 4 records from 2 file\(s\) into 3 profiles/);
    expect(code).toBe(0);
    const lines = readFileSync(path.join(dir, 'out.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('source,record_id,profile_id');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => `${r[0]}:${r[1]}`)).toEqual(['crm.csv:1', 'crm.csv:2', 'support.csv:z1', 'support.csv:z2']);
    const profile = (i: number): string => (rows[i] as string[])[2] as string;
    expect(profile(0)).toBe(profile(2));
    expect(new Set([profile(0), profile(1), profile(3)]).size).toBe(3);
  });

  it.each([
    [['missing.csv', '--mapping', 'map.json', '--out', 'o.csv'], /input file .*missing\.csv does not exist/],
    [['crm.csv', '--mapping', 'nope.json', '--out', 'o.csv'], /mapping file .*nope\.json does not exist/],
    [['crm.csv', '--out', 'o.csv'], /--mapping is required/],
    [['crm.csv', '--mapping', 'map.json'], /--out is required/],
    [['--mapping', 'map.json', '--out', 'o.csv'], /no input CSV file/],
    [['crm.csv', '--mapping', 'map.json', '--out', 'o.csv', '--fast'], /unknown option --fast/],
  ])('exits 2 with an actionable message: %j', async (args, message) => {
    const { io: cli, stderr } = io(dir);
    expect(await resolveCommand(args, cli)).toBe(2);
    expect(stderr()).toMatch(/^baton: /);
    expect(stderr()).toMatch(message);
  });

  it('rejects bad mapping JSON, unknown fields and a missing id column', async () => {
    writeFileSync(path.join(dir, 'bad.json'), '{ "id": "Id", ');
    writeFileSync(path.join(dir, 'unknown.json'), JSON.stringify({ id: 'Id', fields: { shoeSize: 'Email' } }));
    writeFileSync(path.join(dir, 'noid.json'), JSON.stringify({ id: 'RecordId', fields: { email: 'Email' } }));
    const cases: [string, RegExp][] = [
      ['bad.json', /bad\.json is not valid JSON/],
      ['unknown.json', /unknown field "shoeSize"/],
      ['noid.json', /crm\.csv has no id column "RecordId" \(its columns: Id, Email, First, Last, Extra\)/],
    ];
    for (const [mapping, message] of cases) {
      const { io: cli, stderr } = io(dir);
      expect(await resolveCommand(['crm.csv', '--mapping', mapping, '--out', 'o.csv'], cli)).toBe(2);
      expect(stderr()).toMatch(message);
    }
  });

  it('exits 2 for a mapped column no input file has, and only warns when some file lacks it', async () => {
    writeFileSync(path.join(dir, 'typo.json'), JSON.stringify({ id: 'Id', fields: { email: 'Emial', firstName: 'First' } }));
    const bad = io(dir);
    expect(await resolveCommand(['crm.csv', 'support.csv', '--mapping', 'typo.json', '--out', 'o.csv'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/mapping field email names column "Emial", which no input file has/);
    writeFileSync(path.join(dir, 'extra.json'), JSON.stringify({ id: 'Id', fields: { email: 'Email', company: 'Extra' } }));
    const partial = io(dir);
    expect(await resolveCommand(['crm.csv', 'support.csv', '--mapping', 'extra.json', '--out', 'o.csv'], partial.io)).toBe(0);
    expect(partial.stderr()).toMatch(/warning: support\.csv has no column "Extra" \(mapped to company\)/);
  });

  it('exits 2 for a CSV it cannot read or parse', async () => {
    writeFileSync(path.join(dir, 'broken.csv'), 'Id,Email\n1,"ann@acme.io\n2,bo@zeta.io\n');
    const broken = io(dir);
    expect(await resolveCommand(['broken.csv', '--mapping', 'map.json', '--out', 'o.csv'], broken.io)).toBe(2);
    expect(broken.stderr()).toMatch(/^baton: broken\.csv is not a readable CSV file/);
    const folder = io(dir);
    expect(await resolveCommand(['.', '--mapping', 'map.json', '--out', 'o.csv'], folder.io)).toBe(2);
    expect(folder.stderr()).toMatch(/input file .* is not a file/);
    writeFileSync(path.join(dir, 'empty.csv'), '');
    const empty = io(dir);
    expect(await resolveCommand(['empty.csv', '--mapping', 'map.json', '--out', 'o.csv'], empty.io)).toBe(2);
    expect(empty.stderr()).toMatch(/empty\.csv is empty: expected a header row with column "Id"/);
  });

  it('shows progress on stderr: a bar on a terminal, one line per phase otherwise', async () => {
    const rows = ['Id,Email,First,Last'];
    for (let i = 0; i < 300; i++) rows.push(`${i},person${i % 250}@acme.io,Name${i % 250},Family${i % 97}`);
    writeFileSync(path.join(dir, 'big.csv'), rows.join('\n'));
    const tty = io(dir, true);
    expect(await resolveCommand(['big.csv', '--mapping', 'map.json', '--out', 'o.csv'], tty.io)).toBe(0);
    expect(tty.stderr()).toMatch(/resolve deterministic\s+\[[^\]]+\] 100% \| 300\/300/);
    expect(tty.stderr()).toMatch(/resolve training/);
    const plain = io(dir);
    expect(await resolveCommand(['big.csv', '--mapping', 'map.json', '--out', 'o.csv'], plain.io)).toBe(0);
    expect(plain.stderr()).toMatch(/resolve: deterministic done\nresolve: training done\nresolve: linking done\n/);
    expect(readFileSync(path.join(dir, 'o.csv'), 'utf8').trim().split('\n')).toHaveLength(301);
  });
});
