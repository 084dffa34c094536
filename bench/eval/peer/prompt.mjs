// promptfoo prompt function: the task's system prompt and template as chat messages, the note
// inserted as is (what Tailor's promptMessages builds).
export default function prompt({ vars }) {
  const task = JSON.parse(process.env.BENCH_TASK_PROMPT);
  const messages = [];
  if (task.system) messages.push({ role: 'system', content: task.system.trim() });
  messages.push({ role: 'user', content: task.prompt.replace(/\{\{\s*note\s*\}\}/g, vars.note).trim() });
  return messages;
}
