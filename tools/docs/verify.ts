/**
 * Checks the command outputs quoted in docs/concepts/*.md against real runs.
 *
 *   npx tsx tools/docs/verify.ts [page-name-filter]
 *
 * Every ```console block holds one or more commands (`$ npx schedlab ...`, continued with a
 * trailing backslash) each followed by its quoted output. The script runs each command
 * (`node bin/schedlab.js ...`, `--out DIR` → a temporary directory) and checks that every
 * quoted output line occurs, exactly (trailing spaces ignored), among the lines the command
 * printed on stdout or stderr. Lines that are only "…" mark trimmed output and are skipped,
 * and so are blank lines. It prints each mismatch and exits 1 if there is any.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = join(ROOT, 'docs', 'concepts');

interface Quote {
  page: string;
  command: string;
  lines: string[];
}

/** Splits a shell command line into arguments (single and double quotes, no escapes). */
function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let any = false;
  for (const ch of s) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += ch;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

function quotes(page: string, text: string): Quote[] {
  const out: Quote[] = [];
  const blocks = text.split('```console\n').slice(1).map((b) => b.slice(0, b.indexOf('```')));
  for (const block of blocks) {
    const lines = block.split('\n');
    let cur: Quote | null = null;
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      if (line.startsWith('$ ')) {
        let cmd = line.slice(2);
        while (cmd.endsWith('\\') && i + 1 < lines.length) {
          cmd = cmd.slice(0, -1) + ' ' + lines[++i]!.trim();
        }
        cur = { page, command: cmd, lines: [] };
        out.push(cur);
        continue;
      }
      line = line.trimEnd();
      if (cur === null || line === '' || line === '…') continue;
      cur.lines.push(line);
    }
  }
  return out;
}

const filter = process.argv[2] ?? '';
let bad = 0;
let checked = 0;
for (const file of readdirSync(DOCS).filter((f) => f.endsWith('.md') && f.includes(filter)).sort()) {
  for (const q of quotes(file, readFileSync(join(DOCS, file), 'utf8'))) {
    const words = shellWords(q.command);
    if (words[0] !== 'npx' || words[1] !== 'schedlab') continue;
    const dir = mkdtempSync(join(tmpdir(), 'schedlab-docs-'));
    const args = words.slice(2).map((w) => (w === 'DIR' ? dir : w));
    // stdout and stderr together (schedtrace lines and sweep summaries go to stderr).
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    let printed: string;
    try {
      printed = execFileSync('bash', ['-c', `node bin/schedlab.js ${quoted} 2>&1`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 256 << 20 });
    } catch (e) {
      printed = (e as { stdout?: string }).stdout ?? '';
    }
    const all = new Set(printed.split('\n').map((l) => l.trimEnd()));
    rmSync(dir, { recursive: true, force: true });
    checked++;
    const missing = q.lines.filter((l) => !all.has(l));
    if (missing.length > 0) {
      bad++;
      console.log(`✗ ${q.page}: $ ${q.command}`);
      for (const m of missing) console.log(`    not in the output: ${m}`);
    } else {
      console.log(`✓ ${q.page}: $ ${q.command.slice(0, 110)}`);
    }
  }
}
console.log(`${checked} commands checked, ${bad} with lines not found`);
process.exitCode = bad > 0 ? 1 : 0;
