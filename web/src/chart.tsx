import { Fragment } from 'react';

/**
 * Charts drawn as plain SVG, no chart library: a line chart (steps on x), a scatter of paired scores
 * with the diagonal, and bars with CI whiskers. Each has axes with "nice" ticks and labels, a legend,
 * and a `data-testid` on its marks so the browser test can tell that something was drawn. The SVG
 * scales to its container (viewBox); colours follow the stylesheet's variables.
 */

export interface Series {
  name: string;
  points: ReadonlyArray<{ step: number; value: number }>;
  /** A CSS colour (a var() works: it is set as a style). */
  colour: string;
  dashed?: boolean;
  /** Draw a dot at every point (for sparse series such as validations). */
  dots?: boolean;
}

const palette = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)'];
export const seriesColour = (index: number): string => palette[index % palette.length]!;

/** About `count` round tick values covering [low, high] (steps of 1, 2 or 5 × 10ⁿ). */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (high === low) return [low];
  const raw = (high - low) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw * (1 - 1e-9)) ?? raw;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step - 1e-9) * step; value <= high + step * 1e-9; value += step)
    ticks.push(Math.abs(value) < step * 1e-9 ? 0 : value);
  return ticks;
}

/** The domain widened to the ticks around it, so lines never touch the frame. */
function niceDomain(low: number, high: number, count = 5): [number, number] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [0, 1];
  if (high === low) {
    const pad = Math.abs(low) * 0.1 || 0.5;
    return [low - pad, high + pad];
  }
  const ticks = niceTicks(low, high, count);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : high - low;
  return [Math.floor(low / step + 1e-9) * step, Math.ceil(high / step - 1e-9) * step];
}

function scale(domain: [number, number], pixels: [number, number]) {
  const [d0, d1] = domain;
  const [p0, p1] = pixels;
  const span = d1 - d0 || 1;
  return (value: number) => p0 + ((value - d0) / span) * (p1 - p0);
}

/** Decimals that show every multiple of `step` exactly (0.25 → 2, 0.5 → 1, 20 → 0). */
function decimalsFor(step: number): number {
  for (let digits = 0; digits <= 6; digits++) {
    const scaled = step * 10 ** digits;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return digits;
  }
  return 6;
}

/** A tick label, all ticks of an axis alike: fixed decimals, or exponents for tiny and huge steps. */
function tickLabel(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(value) || 1;
  if (value === 0) return '0';
  if (step < 1e-3 || step >= 1e5) return Number(value.toPrecision(3)).toExponential().replace('e+', 'e');
  return value.toFixed(decimalsFor(step));
}

const size = { width: 640, height: 260 };
const margin = { left: 58, right: 16, top: 12, bottom: 42 };

function Axes({
  x,
  y,
  xTicks,
  yTicks,
  xLabel,
  yLabel,
  width,
  height,
  xTickText = (value) => tickLabel(value, xTicks),
}: {
  x: (value: number) => number;
  y: (value: number) => number;
  xTicks: number[];
  yTicks: number[];
  xLabel: string;
  yLabel: string;
  width: number;
  height: number;
  xTickText?: (value: number) => string;
}) {
  const bottom = height - margin.bottom;
  return (
    <g className="axes">
      {yTicks.map((tick) => (
        <g key={`y${tick}`}>
          <line className="grid" x1={margin.left} x2={width - margin.right} y1={y(tick)} y2={y(tick)} />
          <text className="tick" x={margin.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
            {tickLabel(tick, yTicks)}
          </text>
        </g>
      ))}
      {xTicks.map((tick) => (
        <g key={`x${tick}`}>
          <line className="axis" x1={x(tick)} x2={x(tick)} y1={bottom} y2={bottom + 4} />
          <text className="tick" x={x(tick)} y={bottom + 16} textAnchor="middle">
            {xTickText(tick)}
          </text>
        </g>
      ))}
      <line className="axis" x1={margin.left} x2={width - margin.right} y1={bottom} y2={bottom} />
      <line className="axis" x1={margin.left} x2={margin.left} y1={margin.top} y2={bottom} />
      <text
        className="axis-label"
        x={(margin.left + width - margin.right) / 2}
        y={height - 6}
        textAnchor="middle"
      >
        {xLabel}
      </text>
      <text
        className="axis-label"
        transform={`translate(14 ${(margin.top + bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {yLabel}
      </text>
    </g>
  );
}

function Legend({
  items,
}: {
  items: ReadonlyArray<{ name: string; colour: string; dashed?: boolean; band?: boolean }>;
}) {
  return (
    <ul className="chart-legend">
      {items.map((item) => (
        <li key={item.name}>
          {item.band ? (
            <span className="swatch band" aria-hidden="true" />
          ) : (
            <svg width="22" height="10" aria-hidden="true">
              <line
                x1="1"
                x2="21"
                y1="5"
                y2="5"
                style={{ stroke: item.colour }}
                strokeWidth="2.5"
                strokeDasharray={item.dashed ? '5 3' : undefined}
              />
            </svg>
          )}
          {item.name}
        </li>
      ))}
    </ul>
  );
}

function pathOf(points: ReadonlyArray<readonly [number, number]>): string {
  return points
    .map(([px, py], index) => `${index === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`)
    .join(' ');
}

/**
 * Lines over training steps. `yDomain` fixes the range (a reward in [0, 1]); `marks` shades steps
 * (reward-hacking flags) with a legend entry.
 */
export function LineChart({
  title,
  series,
  xLabel = 'step',
  yLabel,
  yDomain,
  marks,
  testId,
}: {
  title: string;
  series: readonly Series[];
  xLabel?: string;
  yLabel: string;
  yDomain?: [number, number];
  marks?: { steps: readonly number[]; label: string };
  testId?: string;
}) {
  const drawn = series.filter((entry) => entry.points.length > 0);
  const all = drawn.flatMap((entry) => entry.points);
  const { width, height } = size;
  if (all.length === 0) {
    return (
      <figure className="chart" data-testid={testId}>
        <figcaption>{title}</figcaption>
        <p className="muted small chart-empty">No points yet.</p>
      </figure>
    );
  }
  const steps = all.map((point) => point.step);
  const values = all.map((point) => point.value);
  const xDomain = niceDomain(Math.min(0, ...steps), Math.max(1, ...steps), 8);
  const yRange = yDomain ?? niceDomain(Math.min(...values), Math.max(...values), 5);
  const low = Math.min(yRange[0], ...values);
  const high = Math.max(yRange[1], ...values);
  const x = scale(xDomain, [margin.left, width - margin.right]);
  const y = scale([low, high], [height - margin.bottom, margin.top]);
  const xTicks = niceTicks(xDomain[0], xDomain[1], 8).filter((tick) => Number.isInteger(tick));
  const yTicks = niceTicks(low, high, 5);
  const band = drawn.length > 0 && marks && marks.steps.length > 0 ? Math.max(3, x(1) - x(0)) : 0;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg className="plot" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {marks?.steps.map((step) => {
          const from = Math.max(margin.left, x(step) - band / 2);
          const to = Math.min(width - margin.right, x(step) + band / 2);
          return (
            <rect
              key={`mark${step}`}
              className="chart-mark"
              data-testid="chart-mark"
              x={from}
              width={Math.max(1, to - from)}
              y={margin.top}
              height={height - margin.bottom - margin.top}
            >
              <title>
                {marks.label}: step {step}
              </title>
            </rect>
          );
        })}
        <Axes
          x={x}
          y={y}
          xTicks={xTicks}
          yTicks={yTicks}
          xLabel={xLabel}
          yLabel={yLabel}
          width={width}
          height={height}
          xTickText={(value) => String(value)}
        />
        {drawn.map((entry) => (
          <Fragment key={entry.name}>
            {entry.points.length > 1 && (
              <path
                className="chart-line"
                data-testid="chart-line"
                d={pathOf(entry.points.map((point) => [x(point.step), y(point.value)]))}
                style={{ stroke: entry.colour }}
                strokeDasharray={entry.dashed ? '6 4' : undefined}
              />
            )}
            {(entry.dots || entry.points.length === 1) &&
              entry.points.map((point) => (
                <circle
                  key={point.step}
                  className="chart-dot"
                  data-testid="chart-dot"
                  cx={x(point.step)}
                  cy={y(point.value)}
                  r={3.5}
                  style={{ fill: entry.colour }}
                >
                  <title>
                    {entry.name}, step {point.step}: {formatValue(point.value)}
                  </title>
                </circle>
              ))}
          </Fragment>
        ))}
      </svg>
      <Legend
        items={[
          ...drawn,
          ...(marks && marks.steps.length > 0
            ? [{ name: marks.label, colour: 'var(--fail)', band: true }]
            : []),
        ]}
      />
    </figure>
  );
}

export interface ScatterPoint {
  id: string;
  x: number;
  y: number;
}

/**
 * Paired scores: A on x, B on y, both on the same range, with the diagonal y = x (above it B scored
 * higher). Points on the same spot are drawn once, larger, with their count.
 */
export function Scatter({
  title,
  points,
  xLabel,
  yLabel,
  testId,
}: {
  title: string;
  points: readonly ScatterPoint[];
  xLabel: string;
  yLabel: string;
  testId?: string;
}) {
  const width = 460;
  const height = 460;
  const values = points.flatMap((point) => [point.x, point.y]);
  const domain = niceDomain(Math.min(0, ...values), Math.max(1, ...values), 5);
  // Inset from the axes, so points on the range's ends (scores of 0 and 1) sit clear of them.
  const inset = 12;
  const x = scale(domain, [margin.left + inset, width - margin.right - inset]);
  const y = scale(domain, [height - margin.bottom - inset, margin.top + inset]);
  const ticks = niceTicks(domain[0], domain[1], 5);
  const spots = new Map<string, { x: number; y: number; ids: string[] }>();
  for (const point of points) {
    const key = `${point.x.toFixed(3)}|${point.y.toFixed(3)}`;
    const spot = spots.get(key) ?? { x: point.x, y: point.y, ids: [] };
    spot.ids.push(point.id);
    spots.set(key, spot);
  }
  const side = (spot: { x: number; y: number }) =>
    spot.y > spot.x + 1e-12 ? 'above' : spot.y < spot.x - 1e-12 ? 'below' : 'on';
  return (
    <figure className="chart scatter" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg className="plot" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        <Axes
          x={x}
          y={y}
          xTicks={ticks}
          yTicks={ticks}
          xLabel={xLabel}
          yLabel={yLabel}
          width={width}
          height={height}
        />
        <line
          className="diagonal"
          data-testid="scatter-diagonal"
          x1={x(domain[0])}
          y1={y(domain[0])}
          x2={x(domain[1])}
          y2={y(domain[1])}
        />
        {[...spots.values()].map((spot) => {
          const count = spot.ids.length;
          const r = Math.min(14, 4 + 2.2 * Math.sqrt(count - 1));
          return (
            <g key={`${spot.x}|${spot.y}`} data-testid="scatter-point" className={`spot spot-${side(spot)}`}>
              <circle cx={x(spot.x)} cy={y(spot.y)} r={r}>
                <title>
                  {count === 1
                    ? spot.ids[0]
                    : `${count} examples: ${spot.ids.slice(0, 8).join(', ')}${count > 8 ? ', …' : ''}`}
                  {` — A ${formatValue(spot.x)}, B ${formatValue(spot.y)}`}
                </title>
              </circle>
              {count > 1 && (
                <text
                  className="spot-count"
                  x={x(spot.x)}
                  y={y(spot.y)}
                  textAnchor="middle"
                  dominantBaseline="central"
                >
                  {count}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul className="chart-legend">
        <li>
          <span className="swatch spot-above" /> B higher
        </li>
        <li>
          <span className="swatch spot-below" /> A higher
        </li>
        <li>
          <span className="swatch spot-on" /> tie (on the diagonal)
        </li>
      </ul>
    </figure>
  );
}

export interface Bar {
  label: string;
  value: number | null;
  low?: number | null;
  high?: number | null;
  /** A CSS class for the bar's colour. */
  tone?: string;
  note?: string;
}

/** Vertical bars with optional CI whiskers; `domain` fixes the value range (κ: up to 1). */
export function BarChart({
  title,
  bars,
  yLabel,
  domain,
  testId,
}: {
  title: string;
  bars: readonly Bar[];
  yLabel: string;
  domain: [number, number];
  testId?: string;
}) {
  const slot = 64;
  const width = Math.max(260, margin.left + margin.right + slot * bars.length);
  const height = 220;
  const values = bars
    .flatMap((bar) => [bar.value, bar.low, bar.high])
    .filter((v): v is number => typeof v === 'number');
  const low = Math.min(domain[0], ...values);
  const high = Math.max(domain[1], ...values);
  const [d0, d1] = niceDomain(low, high, 4);
  const y = scale([d0, d1], [height - margin.bottom, margin.top]);
  const ticks = niceTicks(d0, d1, 4);
  const left = margin.left + (width - margin.left - margin.right - slot * bars.length) / 2;
  const centre = (index: number) => left + slot * index + slot / 2;
  const bottom = height - margin.bottom;
  return (
    <figure className="chart bars" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={title}
        style={{ maxWidth: `${width}px` }}
      >
        {ticks.map((tick) => (
          <g key={tick}>
            <line
              className={tick === 0 ? 'axis' : 'grid'}
              x1={margin.left}
              x2={width - margin.right}
              y1={y(tick)}
              y2={y(tick)}
            />
            <text className="tick" x={margin.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
              {tickLabel(tick, ticks)}
            </text>
          </g>
        ))}
        <line className="axis" x1={margin.left} x2={margin.left} y1={margin.top} y2={bottom} />
        <text
          className="axis-label"
          transform={`translate(14 ${(margin.top + bottom) / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {yLabel}
        </text>
        {bars.map((bar, index) => {
          const cx = centre(index);
          const base = y(Math.max(d0, Math.min(0, d1)));
          return (
            <g key={bar.label}>
              {bar.value === null ? (
                <text className="tick" x={cx} y={base - 8} textAnchor="middle">
                  n/a
                </text>
              ) : (
                <>
                  <rect
                    data-testid="bar"
                    className={`bar-mark ${bar.tone ?? ''}`}
                    x={cx - slot * 0.3}
                    width={slot * 0.6}
                    y={Math.min(base, y(bar.value))}
                    height={Math.max(1, Math.abs(base - y(bar.value)))}
                  >
                    <title>
                      {bar.label}: {formatValue(bar.value)}
                      {typeof bar.low === 'number' && typeof bar.high === 'number'
                        ? ` (95% CI ${formatValue(bar.low)} to ${formatValue(bar.high)})`
                        : ''}
                    </title>
                  </rect>
                  {typeof bar.low === 'number' && typeof bar.high === 'number' && (
                    <g className="whisker">
                      <line x1={cx} x2={cx} y1={y(bar.low)} y2={y(bar.high)} />
                      <line x1={cx - 6} x2={cx + 6} y1={y(bar.low)} y2={y(bar.low)} />
                      <line x1={cx - 6} x2={cx + 6} y1={y(bar.high)} y2={y(bar.high)} />
                    </g>
                  )}
                </>
              )}
              <text className="tick" x={cx} y={bottom + 16} textAnchor="middle">
                {bar.label}
              </text>
              {bar.note && (
                <text className="tick muted-text" x={cx} y={bottom + 30} textAnchor="middle">
                  {bar.note}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(1);
  if (size >= 0.01) return value.toFixed(3);
  return value.toExponential(2);
}
