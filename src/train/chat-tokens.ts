import type { LlamaModel, Token } from 'node-llama-cpp';
import type { ChatMessage } from '../core/chat-model.js';
import { TrainingError } from '../core/errors.js';
import { type ChatFormat, chatFormatFor, renderChatPrompt } from '../models/llama-cpp.js';
import type { TokenSequence } from './worker-protocol.js';

/**
 * Training examples as token ids, rendered with exactly the chat template llama.cpp uses at inference
 * (`renderChatPrompt`), so the adapter learns the format it is served with. The prompt's tokens get
 * weight 0; the completion and the token that ends the assistant turn get weight 1 (the model must
 * learn to stop, or it rambles past the JSON).
 */
export interface TokenizedExample extends TokenSequence {
  id: string;
  promptTokens: number;
}

export interface ChatTokenizer {
  /**
   * `endTurn: false` leaves out the token that closes the assistant turn: a sampled completion cut
   * off at its token limit never produced it, and must not be trained as if it had.
   */
  tokenize(
    id: string,
    prompt: ChatMessage[],
    completion: string,
    options?: { endTurn?: boolean },
  ): TokenizedExample;
  /** The tokens of a prompt alone, as the sampler sees them. */
  promptTokens(prompt: ChatMessage[]): Token[];
}

export function createChatTokenizer(
  model: LlamaModel,
  format: ChatFormat = chatFormatFor(model),
): ChatTokenizer {
  let endOfTurn: Token[] | undefined;

  const turnEnd = (prompt: ChatMessage[], completion: string): Token[] => {
    if (endOfTurn) return endOfTurn;
    const rendered = renderChatPrompt(model, format, prompt);
    // The turn ends with one of the sampler's stop sequences (or the model's end-of-turn / end-of-
    // sequence token). Which one the template writes is read off the template itself: render the
    // turn closed (a user turn follows) and take the stop sequence the text after the completion
    // starts with. Gemma stops on <eos> or <end_of_turn> and writes <end_of_turn>; ChatML writes <|im_end|>.
    const closed = format.wrapper
      .generateContextState({
        chatHistory: [
          ...toHistory(prompt),
          { type: 'model', response: [completion] },
          { type: 'user', text: 'next' },
        ],
      })
      .contextText.toString();
    const closing = closed.slice(rendered.text.length + completion.length);
    const candidates = [
      ...rendered.stopTokenSequences,
      ...[model.tokens.eot, model.tokens.eos].filter((token) => token !== null).map((token) => [token]),
    ];
    const candidate = candidates.find((sequence) => {
      const text = model.detokenize(sequence, true);
      return text.length > 0 && closing.startsWith(text);
    });
    if (!candidate) {
      throw new TrainingError(
        'template-mismatch',
        `cannot tell how the chat template ends an assistant turn: it writes ${JSON.stringify(closing.slice(0, 40))}, which starts with none of the stop sequences ${JSON.stringify(candidates.map((sequence) => model.detokenize(sequence, true)))}`,
      );
    }
    endOfTurn = candidate;
    return candidate;
  };

  return {
    promptTokens: (prompt) => renderChatPrompt(model, format, prompt).tokens,
    tokenize(id, prompt, completion, options = {}) {
      const rendered = renderChatPrompt(model, format, prompt);
      const completionTokens = [
        ...model.tokenize(completion, false),
        ...(options.endTurn === false ? [] : turnEnd(prompt, completion)),
      ];
      const tokens = [...rendered.tokens, ...completionTokens];
      const weights = tokens.map((_, index) => (index < rendered.tokens.length ? 0 : 1));
      return { id, tokens: tokens.map(Number), weights, promptTokens: rendered.tokens.length };
    },
  };
}

function toHistory(messages: ChatMessage[]) {
  return messages.map((message) =>
    message.role === 'system'
      ? { type: 'system' as const, text: message.content }
      : message.role === 'user'
        ? { type: 'user' as const, text: message.content }
        : { type: 'model' as const, response: [message.content] },
  );
}
