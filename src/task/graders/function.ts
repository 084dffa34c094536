import { pathToFileURL } from 'node:url';
import { type Grade, type GradeContext, type Grader, GraderError } from './grader.js';

/**
 * A user grader: a module exporting a function `(context) => {score, pass, reason}` (sync or async).
 * JavaScript modules load with Node's own import; TypeScript modules (.ts, .mts, .cts) are compiled on
 * load by tsx's import API, so they work from the installed CLI with no loader flag. A throw inside
 * the function is a grader error; a malformed return value too.
 */
export async function functionGrader(modulePath: string, exportName: string): Promise<Grader> {
  let module: Record<string, unknown>;
  try {
    const url = pathToFileURL(modulePath).href;
    if (/\.[mc]?ts$/.test(modulePath)) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    } else module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new GraderError(`cannot load grader module ${modulePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const candidate = module[exportName];
  if (typeof candidate !== 'function')
    throw new GraderError(`${modulePath} has no function export "${exportName}"`);
  const user = candidate as (context: GradeContext) => unknown;
  return async (context) => {
    let value: unknown;
    try {
      value = await user(context);
    } catch (error) {
      throw new GraderError(`grader ${modulePath}#${exportName} threw: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const grade = value as Partial<Grade> | null;
    if (
      !grade ||
      typeof grade.score !== 'number' ||
      grade.score < 0 ||
      grade.score > 1 ||
      Number.isNaN(grade.score)
    ) {
      throw new GraderError(`grader ${modulePath}#${exportName} must return {score (0–1), pass, reason}`);
    }
    return {
      score: grade.score,
      pass: typeof grade.pass === 'boolean' ? grade.pass : grade.score >= 0.5,
      reason: typeof grade.reason === 'string' ? grade.reason : '',
      ...(grade.details ? { details: grade.details } : {}),
    };
  };
}
