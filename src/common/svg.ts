/**
 * Inline SVG plotting for the HTML reports: the element, the map from values to pixels, and a line
 * through points. Each report draws its own marks (bars, dots, whiskers) with these.
 */

/** An SVG plot `width` × `height` pixels drawn in the same units; `attributes` start with a space. */
export function svgElement(width: number, height: number, content: string, attributes = ''): string {
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"${attributes}>${content}</svg>`;
}

/**
 * A linear map from `domain` (low, high) onto `pixels` (where low lands, where high lands). A y axis
 * grows upwards while SVG's y grows downwards: pass its pixels as (bottom, top). A domain of zero
 * width maps as if it were one wide, so constant data still plots.
 */
export function linearScale(
  domain: readonly [number, number],
  pixels: readonly [number, number],
): (value: number) => number {
  const [low, high] = domain;
  const [from, to] = pixels;
  const span = high - low || 1;
  // Measured down from the top edge when the axis points up, as the plots were first written, so the
  // pixel values (some printed unrounded) stay what they were.
  if (to < from) return (value) => to + (1 - (value - low) / span) * (from - to);
  return (value) => from + ((value - low) / span) * (to - from);
}

/** A polyline path (`M x,y L x,y …`) through points already in pixels, to a tenth of a pixel. */
export function linePath(points: ReadonlyArray<readonly [number, number]>): string {
  return points.map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
}
