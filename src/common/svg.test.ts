import { describe, expect, it } from 'vitest';
import { linearScale, linePath, svgElement } from './svg.js';

describe('SVG', () => {
  it('maps values onto pixels along an axis, upwards ones from the bottom', () => {
    const x = linearScale([0, 10], [40, 140]);
    expect([x(0), x(5), x(10)]).toEqual([40, 90, 140]);
    const y = linearScale([0, 1], [300, 20]); // bottom, top: SVG's y grows downwards
    expect([y(0), y(0.5), y(1)]).toEqual([300, 160, 20]);
    const constant = linearScale([3, 3], [0, 100]); // zero width: still plots
    expect(constant(3)).toBe(0);
  });

  it('draws a line through points to a tenth of a pixel', () => {
    expect(linePath([])).toBe('');
    expect(
      linePath([
        [1, 2],
        [3.04, 4.96],
      ]),
    ).toBe('M1.0,2.0 L3.0,5.0');
  });

  it('wraps a plot in an SVG element of its size', () => {
    expect(svgElement(200, 100, '<g/>', ' aria-label="plot"')).toBe(
      '<svg width="200" height="100" viewBox="0 0 200 100" role="img" aria-label="plot"><g/></svg>',
    );
  });
});
