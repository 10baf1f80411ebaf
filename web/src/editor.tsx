/**
 * The scenario editor: a textarea with line numbers, and the loader's problems shown at their
 * line (the line number turns red, the message follows the line's text) and listed below.
 */
import { useRef } from 'preact/hooks';
import type { LocatedIssue } from '../../src/workload/scenario.js';

export interface EditorProps {
  text: string;
  issues: readonly LocatedIssue[];
  onInput: (text: string) => void;
}

function issueText(i: LocatedIssue): string {
  const v = i.variant !== undefined ? `variant "${i.variant}": ` : '';
  return `${v}${i.path !== '' ? `${i.path}: ` : ''}${i.message}`;
}

export function Editor({ text, issues, onInput }: EditorProps) {
  const ta = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const back = useRef<HTMLPreElement>(null);
  const lines = text.split('\n');
  const byLine = new Map<number, LocatedIssue[]>();
  for (const i of issues) {
    if (i.line === undefined) continue;
    const a = byLine.get(i.line) ?? [];
    a.push(i);
    byLine.set(i.line, a);
  }
  const sync = () => {
    const t = ta.current;
    if (t === null) return;
    if (gutter.current !== null) gutter.current.scrollTop = t.scrollTop;
    if (back.current !== null) {
      back.current.scrollTop = t.scrollTop;
      back.current.scrollLeft = t.scrollLeft;
    }
  };
  const goTo = (line: number, col: number) => {
    const t = ta.current;
    if (t === null) return;
    let pos = 0;
    for (let k = 1; k < line && k <= lines.length; k++) pos += lines[k - 1]!.length + 1;
    const lineLen = lines[line - 1]?.length ?? 0;
    t.focus();
    t.setSelectionRange(pos + Math.max(0, Math.min(lineLen, col - 1)), pos + lineLen);
    const lh = parseFloat(getComputedStyle(t).lineHeight) || 18;
    t.scrollTop = Math.max(0, (line - 4) * lh);
    sync();
  };
  return (
    <div class="editor-wrap">
      <div class="editor" data-lines={lines.length}>
        <div class="gutter" ref={gutter} aria-hidden="true">
          {lines.map((_, i) => {
            const errs = byLine.get(i + 1);
            return (
              <div key={i} class={errs !== undefined ? 'ln err' : 'ln'} title={errs?.map(issueText).join('\n')}>
                {i + 1}
              </div>
            );
          })}
          <div class="ln pad" />
        </div>
        <div class="code">
          <pre class="backdrop" ref={back} aria-hidden="true">
            {lines.map((l, i) => {
              const errs = byLine.get(i + 1);
              return (
                <div key={i} class={errs !== undefined ? 'bl err' : 'bl'} data-line={i + 1}>
                  <span class="tx">{l === '' ? ' ' : l}</span>
                  {errs !== undefined && <span class="msg">{`  ◀ ${errs.map(issueText).join(' · ')}`}</span>}
                </div>
              );
            })}
            {'\n'}
          </pre>
          <textarea
            ref={ta}
            id="scenario-text"
            spellcheck={false}
            wrap="off"
            autocomplete="off"
            aria-label="scenario (YAML)"
            value={text}
            onInput={(e) => onInput((e.currentTarget).value)}
            onScroll={sync}
          />
        </div>
      </div>
      <ul id="editor-errors" class="issues" data-count={issues.length}>
        {issues.map((i, k) => (
          <li key={k} class="issue" data-line={i.line ?? ''}>
            {i.line !== undefined ? (
              <button type="button" class="where" onClick={() => goTo(i.line!, i.col ?? 1)}>
                line {i.line}:{i.col ?? 1}
              </button>
            ) : (
              <span class="where">{i.where}</span>
            )}{' '}
            {issueText(i)}
          </li>
        ))}
      </ul>
    </div>
  );
}
