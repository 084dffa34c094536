// The bench's reward, the same as trl_peer.py's: 1 for a bare JSON object with the keys "name" and
// "category", 0.5 for one wrapped in other text, 0 otherwise.
function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
const keyed = (value) =>
  value !== null && typeof value === 'object' && 'name' in value && 'category' in value;
export default function ({ output }) {
  if (keyed(parse(output.trim()))) return { score: 1, pass: true, reason: 'the reply is the JSON object' };
  const block = /\{[^{}]*\}/.exec(output);
  if (block && keyed(parse(block[0])))
    return { score: 0.5, pass: false, reason: 'the object, wrapped in other text' };
  return { score: 0, pass: false, reason: 'no JSON object with both keys' };
}
