import { type MouseEvent, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  type ApiError,
  getItem,
  getQueue,
  type ItemLabel,
  nextItem,
  type QueueItem,
  type SubmitLabelRequest,
  skipItem,
  submitLabel,
  toApiError,
  undoLabel,
} from '../api.ts';
import { compare, InputView, ShownView } from '../json.tsx';
import { href } from '../route.ts';
import { ErrorText, errorFor, errorOutside, GradeList, Loading, ProgressBar, useLoad } from '../ui.tsx';

/**
 * The labelling view: one item at a time, input beside output beside reference, and a label made of
 * a pass/fail verdict, a 1–5 score, a critique and tags. Every action has a key (see `shortcuts`).
 */

interface Draft {
  pass: boolean | null;
  score: number | null;
  critique: string;
  /** As typed: comma-separated. */
  tags: string;
}

const blank: Draft = { pass: null, score: null, critique: '', tags: '' };

function draftOf(label: ItemLabel | null): Draft {
  if (!label) return blank;
  return { pass: label.pass, score: label.score, critique: label.critique, tags: label.tags.join(', ') };
}

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
    ),
  ];
}

interface Progress {
  labelled: number;
  assigned: number;
  remaining: number;
}

const labelFields = ['pass', 'score', 'critique', 'tags'] as const;

export const shortcuts: readonly (readonly [keys: string, action: string])[] = [
  ['p', 'pass'],
  ['f', 'fail'],
  ['1 – 5', 'score'],
  ['c', 'write the critique'],
  ['t', 'edit the tags'],
  ['Esc', 'leave a text field'],
  ['Enter', 'submit (outside text fields)'],
  ['Ctrl + Enter', 'submit (anywhere)'],
  ['s', 'skip this item'],
  ['u', 'undo your last label'],
  ['g', 'show or hide grader results'],
  ['?', 'show or hide this help'],
];

const textInputTypes = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', '']);

/** Whether keys typed at `target` are text: shortcuts keep out of the way there. */
function isTextField(target: EventTarget | null): target is HTMLElement {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && textInputTypes.has(target.type);
}

/** Clicking a control keeps the keyboard focus where it was, so Enter still submits. */
function keepFocus(event: MouseEvent) {
  event.preventDefault();
}

export function LabelPage({ queueId }: { queueId: string }) {
  const queue = useLoad(() => getQueue(queueId), [queueId]);
  const [phase, setPhase] = useState<'loading' | 'item' | 'done'>('loading');
  const [item, setItem] = useState<QueueItem | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [draft, setDraft] = useState<Draft>(blank);
  const [showGrades, setShowGrades] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  /** What this person submitted per item in this visit, to refill the form after an undo. */
  const given = useRef(new Map<string, Draft>());
  const critiqueRef = useRef<HTMLTextAreaElement>(null);
  const tagsRef = useRef<HTMLInputElement>(null);

  function show(next: QueueItem | null, prefill?: Draft) {
    setItem(next);
    setPhase(next ? 'item' : 'done');
    setDraft(prefill ?? draftOf(next?.label ?? null));
    setShowGrades(false);
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    window.scrollTo({ top: 0 });
  }

  async function loadNext() {
    const next = await nextItem(queueId);
    setProgress({ labelled: next.labelled, assigned: next.assigned, remaining: next.remaining });
    show(next.item);
  }

  /** One request at a time; its error is shown, a new action clears it. */
  async function act(work: () => Promise<void>) {
    if (busyRef.current) return;
    busyRef.current = true;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (failure) {
      setError(toApiError(failure));
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  }

  const submit = () =>
    act(async () => {
      if (!item) return;
      const label: SubmitLabelRequest = {
        pass: draft.pass,
        score: draft.score,
        critique: draft.critique,
        tags: parseTags(draft.tags),
      };
      await submitLabel(queueId, item.itemId, label);
      given.current.set(item.itemId, draft);
      await loadNext();
    });

  const skip = () =>
    act(async () => {
      if (!item) return;
      await skipItem(queueId, item.itemId);
      await loadNext();
    });

  const undo = () =>
    act(async () => {
      const { itemId } = await undoLabel(queueId);
      if (itemId === null) {
        setNotice('Nothing to undo: you have no labels in this queue.');
        return;
      }
      const { item: back } = await getItem(queueId, itemId);
      setProgress((p) => p && { ...p, labelled: Math.max(0, p.labelled - 1), remaining: p.remaining + 1 });
      show(back, back.label ? undefined : given.current.get(itemId));
      setNotice('Your last label was removed. Here is that item again.');
    });

  const setVerdict = (pass: boolean | null) => setDraft((d) => ({ ...d, pass }));
  const setScore = (score: number | null) => setDraft((d) => ({ ...d, score }));

  // biome-ignore lint/correctness/useExhaustiveDependencies: load the first item once per queue
  useEffect(() => {
    void act(loadNext);
  }, [queueId]);

  // The key handler is registered once and calls the actions of the latest render.
  const actions = useRef({ submit, skip, undo, setVerdict, setScore });
  useLayoutEffect(() => {
    actions.current = { submit, skip, undo, setVerdict, setScore };
  });

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      const a = actions.current;
      const target = event.target;
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (!event.repeat) void a.submit();
        return;
      }
      if (isTextField(target)) {
        if (event.key === 'Escape') {
          event.preventDefault();
          target.blur();
        } else if (event.key === 'Enter' && target === tagsRef.current && !event.isComposing) {
          event.preventDefault();
          if (!event.repeat) void a.submit();
        }
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (event.key === 'Enter') {
        // A focused button or link does what it says.
        if (target instanceof Element && target.closest('button, a[href], summary, [role="button"]')) return;
        event.preventDefault();
        if (!event.repeat) void a.submit();
        return;
      }
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      switch (key) {
        case 'p':
          a.setVerdict(true);
          break;
        case 'f':
          a.setVerdict(false);
          break;
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
          a.setScore(Number(key));
          break;
        case 'c':
          critiqueRef.current?.focus();
          break;
        case 't':
          tagsRef.current?.focus();
          break;
        case 's':
          if (!event.repeat) void a.skip();
          break;
        case 'u':
          if (!event.repeat) void a.undo();
          break;
        case 'g':
          setShowGrades((shown) => !shown);
          break;
        case '?':
          setShowHelp((shown) => !shown);
          break;
        case 'Escape':
          setShowHelp(false);
          break;
        default:
          return;
      }
      event.preventDefault();
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const compared = useMemo(() => (item ? compare(item.output, item.reference) : null), [item]);
  const summary = queue.data?.queue;
  const instructions = summary?.instructions.trim() ?? '';
  const skipped = progress ? Math.max(0, progress.assigned - progress.labelled) : 0;

  return (
    <main className="page label-page" aria-busy={busy}>
      <p className="crumbs">
        <a href={href({ page: 'queues' })}>Queues</a> /{' '}
        <a href={href({ page: 'queue', id: queueId })}>{summary?.name ?? queueId}</a> / Label
      </p>
      <header className="label-head">
        <h1>{summary?.name ?? 'Labelling'}</h1>
        {progress && (
          <div className="progress-line">
            <ProgressBar done={progress.labelled} total={progress.assigned} label="Your progress" />
            <span data-testid="progress">
              labelled {progress.labelled} of {progress.assigned}
            </span>
            {phase === 'item' && <span className="muted">· {progress.remaining} to go</span>}
          </div>
        )}
        <button
          type="button"
          className="ghost"
          data-testid="toggle-help"
          aria-expanded={showHelp}
          onMouseDown={keepFocus}
          onClick={() => setShowHelp((shown) => !shown)}
        >
          Shortcuts <kbd>?</kbd>
        </button>
      </header>

      {showHelp && <ShortcutHelp onClose={() => setShowHelp(false)} />}

      {instructions !== '' && (
        <details className="card instructions-card" open>
          <summary>Instructions</summary>
          <div className="instructions">{instructions}</div>
        </details>
      )}

      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {phase !== 'item' && <ErrorText error={error} />}
      {phase === 'loading' && !error && <Loading what="the next item" />}

      {phase === 'done' && (
        <section className="card done" data-testid="queue-done">
          <h2>Queue done</h2>
          <p>
            There is nothing left for you to label in this queue.
            {skipped > 0 && ` You skipped ${skipped} item${skipped === 1 ? '' : 's'}.`}
          </p>
          <p className="row-actions">
            <a className="button" href={href({ page: 'queue', id: queueId })}>
              Back to the queue
            </a>
            <button type="button" data-testid="undo" onMouseDown={keepFocus} onClick={() => void undo()}>
              Undo last label <kbd>u</kbd>
            </button>
          </p>
        </section>
      )}

      {phase === 'item' && item && compared && (
        <div className="label-layout">
          <div className="item-panels">
            <section className="panel" data-testid="item-input" aria-labelledby="input-title">
              <h2 id="input-title">Input</h2>
              <InputView value={item.input} />
            </section>
            <section className="panel" data-testid="item-output" aria-labelledby="output-title">
              <h2 id="output-title">Output</h2>
              <ShownView shown={compared.output} changed={compared.outputChanged} />
            </section>
            {compared.reference && (
              <section className="panel" data-testid="item-reference" aria-labelledby="reference-title">
                <h2 id="reference-title">
                  Reference <span className="legend">highlighted lines differ from the output</span>
                </h2>
                <ShownView shown={compared.reference} changed={compared.referenceChanged} />
              </section>
            )}
            <section className="panel grades-panel">
              <button
                type="button"
                data-testid="toggle-grades"
                aria-expanded={showGrades}
                aria-controls="item-grades"
                onMouseDown={keepFocus}
                onClick={() => setShowGrades((shown) => !shown)}
              >
                {showGrades ? 'Hide' : 'Show'} grader results <kbd>g</kbd>
              </button>
              {showGrades && (
                <div id="item-grades" data-testid="item-grades">
                  <GradeList grades={item.grades} />
                </div>
              )}
            </section>
          </div>

          <aside className="controls card" aria-label="Your label">
            <p className="muted small item-meta">
              Example <code>{item.exampleId}</code>
            </p>
            {item.label && (
              <p className="notice small">You labelled this item before; submitting replaces that label.</p>
            )}
            <fieldset className="group">
              <legend>
                Verdict{' '}
                <output data-testid="verdict" data-value={draft.pass === null ? '' : String(draft.pass)}>
                  {draft.pass === null ? '—' : draft.pass ? 'pass' : 'fail'}
                </output>
              </legend>
              <div className="segmented">
                <button
                  type="button"
                  className="choice choice-pass"
                  data-testid="verdict-pass"
                  aria-pressed={draft.pass === true}
                  aria-keyshortcuts="p"
                  onMouseDown={keepFocus}
                  onClick={() => setVerdict(draft.pass === true ? null : true)}
                >
                  Pass <kbd>p</kbd>
                </button>
                <button
                  type="button"
                  className="choice choice-fail"
                  data-testid="verdict-fail"
                  aria-pressed={draft.pass === false}
                  aria-keyshortcuts="f"
                  onMouseDown={keepFocus}
                  onClick={() => setVerdict(draft.pass === false ? null : false)}
                >
                  Fail <kbd>f</kbd>
                </button>
              </div>
              <ErrorText error={errorFor(error, 'pass')} />
            </fieldset>
            <fieldset className="group">
              <legend>
                Score{' '}
                <output data-testid="score" data-value={draft.score === null ? '' : String(draft.score)}>
                  {draft.score ?? '—'}
                </output>
              </legend>
              <div className="segmented">
                {[1, 2, 3, 4, 5].map((n) => (
                  <button
                    key={n}
                    type="button"
                    className="choice"
                    data-testid={`score-${n}`}
                    aria-pressed={draft.score === n}
                    aria-label={`Score ${n}`}
                    aria-keyshortcuts={String(n)}
                    onMouseDown={keepFocus}
                    onClick={() => setScore(draft.score === n ? null : n)}
                  >
                    {n}
                  </button>
                ))}
              </div>
              <p className="muted small scale">1 = unusable · 5 = perfect</p>
              <ErrorText error={errorFor(error, 'score')} />
            </fieldset>
            <label className="field">
              <span>
                Critique <kbd>c</kbd>
              </span>
              <textarea
                ref={critiqueRef}
                data-testid="critique"
                rows={6}
                value={draft.critique}
                placeholder="What is right or wrong about this output?"
                aria-keyshortcuts="c"
                onChange={(event) => setDraft((d) => ({ ...d, critique: event.target.value }))}
              />
            </label>
            <ErrorText error={errorFor(error, 'critique')} />
            <label className="field">
              <span>
                Tags <kbd>t</kbd>
              </span>
              <input
                ref={tagsRef}
                data-testid="tags"
                value={draft.tags}
                placeholder="comma-separated, e.g. hallucination, format"
                aria-keyshortcuts="t"
                onChange={(event) => setDraft((d) => ({ ...d, tags: event.target.value }))}
              />
            </label>
            <ErrorText error={errorFor(error, 'tags')} />
            <ErrorText error={errorOutside(error, labelFields)} />
            <div className="actions">
              <button
                type="button"
                className="primary"
                data-testid="submit"
                aria-keyshortcuts="Enter Control+Enter"
                onMouseDown={keepFocus}
                onClick={() => void submit()}
              >
                Submit <kbd>Enter</kbd>
              </button>
              <button
                type="button"
                data-testid="skip"
                aria-keyshortcuts="s"
                onMouseDown={keepFocus}
                onClick={() => void skip()}
              >
                Skip <kbd>s</kbd>
              </button>
              <button
                type="button"
                data-testid="undo"
                aria-keyshortcuts="u"
                onMouseDown={keepFocus}
                onClick={() => void undo()}
              >
                Undo <kbd>u</kbd>
              </button>
            </div>
            <p className="muted small">
              In a text field, <kbd>Ctrl</kbd>+<kbd>Enter</kbd> submits and <kbd>Esc</kbd> leaves it.
            </p>
          </aside>
        </div>
      )}
    </main>
  );
}

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <section className="card shortcut-help" data-testid="shortcut-help" aria-label="Keyboard shortcuts">
      <div className="shortcut-head">
        <h2>Keyboard shortcuts</h2>
        <button type="button" className="ghost" onClick={onClose}>
          Close <kbd>?</kbd>
        </button>
      </div>
      <dl className="shortcut-list">
        {shortcuts.map(([keys, action]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{action}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small">Letter keys do nothing while you type in the critique or tags.</p>
    </section>
  );
}
