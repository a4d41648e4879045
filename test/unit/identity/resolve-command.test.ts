import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { resolveCommand } from '../../../server/cli/commands/resolve';
import type { CliIo } from '../../../server/cli/io';

function io(cwd: string): { io: CliIo; stderr: () => string } {
  const err = new PassThrough();
  let text = '';
  err.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: err, cwd, interactive: false }, stderr: () => text };
}

describe('baton resolve', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'baton-resolve-'));
    writeFileSync(path.join(dir, 'crm.csv'), 'Id,Email,First,Last,Extra\n1, Ann.Lee@Acme.io ,Ann,Lee,x\n2,bo@zeta.io,Bo,Zhang,y\n');
    writeFileSync(path.join(dir, 'support.csv'), 'Id,Email,First,Last\nz1,ann.lee@acme.io,Ann,\nz2,,Cy,Young\n');
    writeFileSync(path.join(dir, 'map.json'), JSON.stringify({ id: 'Id', fields: { email: 'Email', firstName: 'First', lastName: 'Last' } }));
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
});
