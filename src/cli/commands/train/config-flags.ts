import { type Command, Option } from 'commander';
import { z } from 'zod';
import { ConfigError, TailorError } from '../../../core/errors.js';

/**
 * A training method's config flags, derived from its zod schema (src/core/train-config.ts): each
 * option `camelCase` is the flag `--camel-case` (nested ones, `lora.dropout`, are `--lora-dropout`),
 * its help is the option's description with its default, and its value is parsed by the option's
 * type and checked by the option's schema. A flag overrides tailor.yaml's `train.<method>`, which
 * overrides the defaults.
 */

/** Flags that had short names before they were derived; they keep them. */
const flagNames: Record<string, string> = {
  maxSteps: 'steps',
  learningRate: 'lr',
  earlyStoppingPatience: 'patience',
  'lora.rank': 'rank',
  'lora.alpha': 'alpha',
};

export interface ConfigFlag {
  /** The option's path in the config: `['lora', 'rank']`. */
  path: string[];
  option: Option;
  /** The option's own schema, which checks the flag's value. */
  schema: z.ZodType;
  /** The typed value of the raw flag (a boolean flag is `true` when given). */
  parse(raw: string | true): unknown;
}

export function configFlags(schema: z.ZodObject, prefix: string[] = []): ConfigFlag[] {
  return Object.entries(schema.shape).flatMap(([key, field]) => {
    const path = [...prefix, key];
    const type = innerType(field);
    if (type instanceof z.ZodObject) return configFlags(type, path);
    const name = flagNames[path.join('.')] ?? path.map(kebabCase).join('-');
    const flag = `--${name}`;
    const placeholder = placeholderOf(type);
    const option = new Option(
      placeholder ? `${flag} <${placeholder}>` : flag,
      `${field.description ?? ''}${defaultText(field, type)}`,
    );
    return [{ path, option, schema: field, parse: (raw: string | true) => parseValue(type, flag, raw) }];
  });
}

/** Add the flags to a command, in the schema's order. */
export function addConfigFlags(command: Command, flags: ConfigFlag[]): Command {
  for (const flag of flags) command.addOption(flag.option);
  return command;
}

/**
 * The method's config: the given flags over tailor.yaml's section (already parsed) over the
 * defaults. A bad flag value is a usage error naming the flag.
 */
export function configFromFlags<Schema extends z.ZodObject>(
  method: string,
  schema: Schema,
  flags: ConfigFlag[],
  given: Record<string, unknown>,
  fromFile: unknown,
): z.output<Schema> {
  const merged = structuredClone((fromFile ?? {}) as Record<string, unknown>);
  for (const flag of flags) {
    const raw = given[flag.option.attributeName()] as string | true | undefined;
    if (raw === undefined) continue;
    const value = flag.parse(raw);
    const checked = flag.schema.safeParse(value);
    if (!checked.success) {
      throw new TailorError(
        'usage',
        `${flag.option.long} ${raw === true ? '' : `"${raw}" `}is invalid: ${checked.error.issues[0]?.message}`,
      );
    }
    setPath(merged, flag.path, value);
  }
  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `train.${method}.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid training settings:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** The type under the default, optional and prefault wrappers. */
function innerType(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDefault || field instanceof z.ZodOptional || field instanceof z.ZodPrefault) {
    return innerType(field.unwrap() as z.ZodType);
  }
  return field;
}

function placeholderOf(type: z.ZodType): string | undefined {
  if (type instanceof z.ZodBoolean) return undefined;
  if (type instanceof z.ZodNumber) return type.isInt ? 'n' : 'x';
  if (type instanceof z.ZodEnum) return 'name';
  if (type instanceof z.ZodRecord) return 'name=x,...';
  if (type instanceof z.ZodArray) return 'a,b,...';
  return 'name';
}

/** ` (default: 20)`, or ` (cosine, linear or constant; default: cosine)` for a choice. */
function defaultText(field: z.ZodType, type: z.ZodType): string {
  const choices = type instanceof z.ZodEnum ? type.options.map(String) : [];
  const parts = [
    ...(choices.length > 0 ? [`${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`] : []),
    ...(field instanceof z.ZodDefault && !(type instanceof z.ZodBoolean)
      ? [`default: ${field.def.defaultValue}`]
      : []),
  ];
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function parseValue(type: z.ZodType, flag: string, raw: string | true): unknown {
  if (raw === true || type instanceof z.ZodBoolean) return raw === true;
  if (type instanceof z.ZodNumber) return number(raw, flag);
  if (type instanceof z.ZodArray) return list(raw);
  if (type instanceof z.ZodRecord) {
    // `schema=1,fields=2`; a bare name weighs 1.
    return Object.fromEntries(
      list(raw).map((part) => {
        const [name, weight = '1'] = part.split('=').map((piece) => piece.trim());
        return [name, number(weight, `${flag} ${name}`)];
      }),
    );
  }
  return raw;
}

function number(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new TailorError('usage', `${flag} must be a number, not "${raw}"`);
  }
  return value;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [key, ...rest] = path;
  if (key === undefined) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const child = (target[key] ?? {}) as Record<string, unknown>;
  target[key] = child;
  setPath(child, rest, value);
}
