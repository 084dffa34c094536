import { useSyncExternalStore } from 'react';

/** Hash routes: the server serves one page, and the part after `#` says what it shows. */
export type Route =
  | { page: 'signin' }
  | { page: 'invite'; token: string }
  | { page: 'queues' }
  | { page: 'queue'; id: string }
  | { page: 'label'; id: string }
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'compare'; a: string; b: string }
  | { page: 'training' }
  | { page: 'trainingRun'; id: string }
  | { page: 'judges' }
  | { page: 'traffic' }
  | { page: 'admin' }
  | { page: 'notfound'; path: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decode);
  const [first, second, third] = parts;
  if (parts.length === 0) return { page: 'queues' };
  if (first === 'signin' && parts.length === 1) return { page: 'signin' };
  if (first === 'invite' && second !== undefined) return { page: 'invite', token: parts.slice(1).join('/') };
  if (first === 'queues') {
    if (parts.length === 1) return { page: 'queues' };
    if (second !== undefined && parts.length === 2) return { page: 'queue', id: second };
    if (second !== undefined && third === 'label' && parts.length === 3) return { page: 'label', id: second };
  }
  if (first === 'runs') {
    if (parts.length === 1) return { page: 'runs' };
    if (second !== undefined && parts.length === 2) return { page: 'run', id: second };
  }
  if (first === 'compare' && second !== undefined && third !== undefined && parts.length === 3)
    return { page: 'compare', a: second, b: third };
  if (first === 'training') {
    if (parts.length === 1) return { page: 'training' };
    if (second !== undefined && parts.length === 2) return { page: 'trainingRun', id: second };
  }
  if (first === 'judges' && parts.length === 1) return { page: 'judges' };
  if (first === 'traffic' && parts.length === 1) return { page: 'traffic' };
  if (first === 'admin' && parts.length === 1) return { page: 'admin' };
  return { page: 'notfound', path: path.replace(/^\/+/, '') };
}

export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case 'signin':
      return '#/signin';
    case 'invite':
      return `#/invite/${e(route.token)}`;
    case 'queues':
      return '#/queues';
    case 'queue':
      return `#/queues/${e(route.id)}`;
    case 'label':
      return `#/queues/${e(route.id)}/label`;
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${e(route.id)}`;
    case 'compare':
      return `#/compare/${e(route.a)}/${e(route.b)}`;
    case 'training':
      return '#/training';
    case 'trainingRun':
      return `#/training/${e(route.id)}`;
    case 'judges':
      return '#/judges';
    case 'traffic':
      return '#/traffic';
    case 'admin':
      return '#/admin';
    case 'notfound':
      return `#/${route.path}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current location hash; the component re-renders when it changes. */
export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
