// Workflow histories to and from the JSON that Temporal's tools use (the Web UI's download,
// `temporal workflow show --output json`), for test/recordHistories.ts and test/workflowReplay.test.ts.
//
// The SDK's historyToJSON/historyFromJSON fail here with "type must be a Type": @grpc/proto-loader
// hoists protobufjs@7, so npm nests one protobufjs@8 copy under @temporalio/proto and another under
// @temporalio/common, and common's converter rejects proto's types. When that happens we convert
// with the copy @temporalio/proto was built with: the same functions, the same format.
import { createRequire } from 'node:module';
import { historyFromJSON as sdkHistoryFromJSON, historyToJSON as sdkHistoryToJSON, type History } from '@temporalio/common/lib/proto-utils.js';

export type { History };

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

function protoOwnConverter() {
  const fromCommon = createRequire(createRequire(import.meta.url).resolve('@temporalio/common'));
  const proto = fromCommon('@temporalio/proto') as { temporal: { api: { history: { v1: { History: { fromObject(history: History): unknown } } } } } };
  const { patchProtobufRoot } = fromCommon('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown } };
  const protojson = createRequire(fromCommon.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
  return { proto, protojson, historyType: patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History') };
}

const isDuplicateProtobufError = (error: unknown) => error instanceof Error && error.message === 'type must be a Type';

export function historyToJSON(history: History): string {
  try {
    return sdkHistoryToJSON(history);
  } catch (error) {
    if (!isDuplicateProtobufError(error)) throw error;
    const { proto, protojson, historyType } = protoOwnConverter();
    return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
  }
}

export function historyFromJSON(json: unknown): History {
  try {
    return sdkHistoryFromJSON(json);
  } catch (error) {
    if (!isDuplicateProtobufError(error)) throw error;
    const { protojson, historyType } = protoOwnConverter();
    const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
    if (!history?.events?.length) throw new TypeError('not a workflow history: expected { events: [...] }');
    return history;
  }
}
