/** Numbers as the terminal tables and the HTML reports print them: `—` wherever a value is undefined. */

/** `0.512` (NaN: `—`). */
export function formatNumber(value: number, digits = 3): string {
  return Number.isNaN(value) ? '—' : value.toFixed(digits);
}

/** A fraction as `51.2%` (NaN: `—`). */
export function formatPercent(value: number): string {
  return Number.isNaN(value) ? '—' : `${(100 * value).toFixed(1)}%`;
}

/** `0.512 [0.401, 0.617]`: a mean with its 95% CI; `undefinedText` where the mean is undefined. */
export function formatEstimate(
  estimate: { mean: number; low: number; high: number },
  undefinedText = '—',
): string {
  if (Number.isNaN(estimate.mean)) return undefinedText;
  return `${estimate.mean.toFixed(3)} [${formatNumber(estimate.low)}, ${formatNumber(estimate.high)}]`;
}
