/**
 * The pieces every HTML report is made of (eval, compare, judge card, GRPO run, loss curve, the
 * examples' recipes), so the reports escape the same way and share one look.
 */

/** Text made safe inside elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The reports' shared look: readable type, light tables, plots on a pale card. */
export const reportStyle = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1d2330}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #dde;text-align:left}.muted{color:#667}
svg{background:#fafbfd;border:1px solid #e3e6ee;border-radius:6px}
`;

/**
 * A whole page with its style inline and nothing to fetch or run, so it opens anywhere and can be
 * attached to a ticket. `title` is text (escaped here); `body` is HTML.
 */
export function htmlPage(options: { title: string; style: string; body: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<style>${options.style}</style></head><body>
${options.body}
</body></html>
`;
}
