import {
  type ChatHistoryItem,
  type ChatWrapper,
  JinjaTemplateChatWrapper,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp';
import type { ChatMessage } from '../../core/chat-model.js';

/**
 * Chat formatting from the GGUF's own chat template. Training (SFT, DPO, GRPO) must render examples
 * with exactly this function, or the adapter learns one format and is served another.
 */
export interface ChatFormat {
  wrapper: ChatWrapper;
  /** True when the GGUF carried a template; false means a guessed wrapper (a warning is surfaced). */
  fromGguf: boolean;
}

export function chatFormatFor(model: LlamaModel): ChatFormat {
  const template = (model.fileInfo.metadata as { tokenizer?: { chat_template?: string } }).tokenizer
    ?.chat_template;
  if (typeof template === 'string' && template.length > 0) {
    return { wrapper: new JinjaTemplateChatWrapper({ template }), fromGguf: true };
  }
  return { wrapper: resolveChatWrapper(model), fromGguf: false };
}

export interface RenderedPrompt {
  text: string;
  tokens: Token[];
  /** Token sequences that end the assistant turn besides the model's end-of-generation tokens. */
  stopTokenSequences: Token[][];
}

/** Render messages plus the assistant generation prompt, and tokenise once. */
export function renderChatPrompt(
  model: LlamaModel,
  format: ChatFormat,
  messages: ChatMessage[],
): RenderedPrompt {
  const history: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  history.push({ type: 'model', response: [] });
  const state = format.wrapper.generateContextState({ chatHistory: history });
  const tokens = state.contextText.tokenize(model.tokenizer);
  const bos = model.tokens.bos;
  if (model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
  const stopTokenSequences = (state.stopGenerationTriggers as LlamaText[])
    .map((trigger) => trigger.tokenize(model.tokenizer, 'trimLeadingSpace'))
    .filter((sequence) => sequence.length > 0);
  return { text: state.contextText.toString(), tokens, stopTokenSequences };
}
