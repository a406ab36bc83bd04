import { reply, startJsonServer, type FakeReply, type RecordedRequest } from './jsonServer.ts';

export interface FakeAnswer { key: string; answer: string; confidence: number }

export interface ChatCompletionRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
}

let completionCounter = 0;

/** A `chat.completion` object as the API returns it, with `content` as the assistant message. */
export function chatCompletion(model: string, content: string | null, extra: { refusal?: string; finishReason?: string } = {}) {
  return {
    id: `chatcmpl-fake-${++completionCounter}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content, refusal: extra.refusal ?? null, annotations: [] },
      logprobs: null,
      finish_reason: extra.finishReason ?? 'stop',
    }],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    system_fingerprint: null,
  };
}

const apiError = (status: number, type: string, message: string, headers?: Record<string, string>, code: string | null = null) =>
  reply.json(status, { error: { message, type, param: null, code } }, headers);

/** Ways the fake can answer a chat completion; `answers` is the happy path. */
export const openAiReply = {
  answers: (answers: FakeAnswer[]) => (model: string) => reply.json(200, chatCompletion(model, JSON.stringify({ answers }))),
  /** Raw assistant content, e.g. text that is not JSON or JSON of the wrong shape. */
  content: (content: string | null) => (model: string) => reply.json(200, chatCompletion(model, content)),
  refusal: (why: string) => (model: string) => reply.json(200, chatCompletion(model, null, { refusal: why })),
  serverError: () => () => apiError(500, 'server_error', 'The server had an error while processing your request.'),
  rateLimited: (retryAfterSeconds: number) => () =>
    apiError(429, 'requests', 'Rate limit reached for requests', { 'retry-after': String(retryAfterSeconds) }, 'rate_limit_exceeded'),
  invalidKey: () => () => apiError(401, 'invalid_request_error', 'Incorrect API key provided.', undefined, 'invalid_api_key'),
  hang: () => () => reply.hang(),
  /** A playbook email (response format `action_email`), as the model would write it. */
  email: (email: { subject: string; body: string }) => (model: string) => reply.json(200, chatCompletion(model, JSON.stringify(email))),
  /** Answers by the request's response format name (`handoff_answers`, `action_email`), else `otherwise`. */
  byFormat: (replies: Record<string, OpenAiReply>, otherwise: OpenAiReply = openAiReplyNotFound) =>
    (model: string, request?: ChatCompletionRequest) => (replies[request?.response_format?.json_schema?.name ?? ''] ?? otherwise)(model, request),
};

export type OpenAiReply = (model: string, request?: ChatCompletionRequest) => FakeReply;

function openAiReplyNotFound(): FakeReply {
  return apiError(400, 'invalid_request_error', 'the fake has no reply for this response format');
}

export interface OpenAiFake {
  /** What to pass as the SDK's baseURL (includes /v1, like https://api.openai.com/v1). */
  baseURL: string;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** The chat-completion requests' bodies, in order. */
  completions(): ChatCompletionRequest[];
  /** The reply for every request not taken by `once`. */
  always(next: OpenAiReply): void;
  /** Replies for the next requests, in order, before falling back to `always`. */
  once(...next: OpenAiReply[]): void;
  close(): Promise<void>;
}

/** An OpenAI API stand-in speaking the Chat Completions wire format. */
export async function startOpenAiFake(opts: { apiKey?: string } = {}): Promise<OpenAiFake> {
  let fallback: OpenAiReply = openAiReply.answers([]);
  const queued: OpenAiReply[] = [];
  const server = await startJsonServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') return apiError(404, 'invalid_request_error', `Unknown request URL: ${req.method} ${req.path}`);
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return openAiReply.invalidKey()();
    const model = (req.body as Partial<ChatCompletionRequest> | undefined)?.model ?? 'unknown';
    return (queued.shift() ?? fallback)(model, req.body as ChatCompletionRequest);
  });
  return {
    baseURL: `${server.url}/v1`,
    requests: server.requests,
    completions: () => server.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as ChatCompletionRequest),
    always: (next) => { fallback = next; },
    once: (...next) => { queued.push(...next); },
    close: server.close,
  };
}
