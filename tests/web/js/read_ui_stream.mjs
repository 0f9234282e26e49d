// Reads a UI message stream (the SSE body on stdin) the way useChat's DefaultChatTransport
// does: every chunk validated by the AI SDK's strict schema, folded by readUIMessageStream.
// argv[2], when given, is the JSON of the assistant message the stream continues.
// Prints the final UIMessage as JSON; exits 1 on the first invalid chunk or stream error.
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from "ai";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const body = new Uint8Array(Buffer.concat(chunks));

const parsed = parseJsonEventStream({
  stream: new ReadableStream({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  }),
  schema: uiMessageChunkSchema,
}).pipeThrough(
  new TransformStream({
    transform(result, controller) {
      if (!result.success) throw result.error;
      controller.enqueue(result.value);
    },
  }),
);

const message = process.argv[2] ? JSON.parse(process.argv[2]) : undefined;
let last = message;
const errors = [];
for await (const update of readUIMessageStream({
  stream: parsed,
  message,
  terminateOnError: true,
  onError: (error) => errors.push(String(error)),
})) {
  last = update;
}
if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(JSON.stringify(last));
