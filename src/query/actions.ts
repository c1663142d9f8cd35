// The AWS Query APIs by Action (form field `Action=…`): which API answers, its namespace, the
// service name its signatures carry, and the handler. Every action a client of ours sends is
// listed; unknown ones are InvalidAction. SQS's actions are here for its Query protocol (older
// SDKs); its JSON protocol has a mount of its own (query/sqs-api.ts).
import type { Deps } from "../deps.ts";
import type { Principal } from "../auth/principal.ts";
import { QueryError } from "./errors.ts";
import { assumeRole, getCallerIdentity } from "./sts.ts";
import { createTopic, deleteTopic, getTopic, getTopicAttributes, listTopics, setTopicAttributes } from "./sns.ts";
import { SQS_ACTIONS, type SqsAction } from "./sqs.ts";
import { SQS_NS } from "./sqs-errors.ts";
import { sqsQueryHandler } from "./sqs-query.ts";

export type QueryApi = "sts" | "sns" | "iam" | "sqs";

/** `bodyLimit`: the largest form the API takes (SNS attribute documents and STS session policies are small; SQS batches are not). */
export const QUERY_APIS: Record<QueryApi, { service: string; ns: string; version: string; bodyLimit: number }> = {
  sts: { service: "sts", ns: "https://sts.amazonaws.com/doc/2011-06-15/", version: "2011-06-15", bodyLimit: 256 * 1024 },
  sns: { service: "sns", ns: "https://sns.amazonaws.com/doc/2010-03-31/", version: "2010-03-31", bodyLimit: 256 * 1024 },
  iam: { service: "iam", ns: "https://iam.amazonaws.com/doc/2010-05-08/", version: "2010-05-08", bodyLimit: 256 * 1024 },
  // Messages are up to 256 KiB; a batch of ten of them plus their envelope.
  sqs: { service: "sqs", ns: SQS_NS, version: "2012-11-05", bodyLimit: 3 * 1024 * 1024 },
};

export const QUERY_ACTIONS = [
  "AssumeRole", "GetCallerIdentity",
  "CreateTopic", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "ListTopics", "GetTopic",
] as const;
export type QueryAction = (typeof QUERY_ACTIONS)[number] | SqsAction;

export interface QueryCtx {
  deps: Deps;
  req: Request;
  /** Query string and form fields merged (JuiceFS sends STS parameters in the query string). */
  params: URLSearchParams;
  /** The path as sent (SQS: `/` or the queue URL's). */
  path: string;
  principal: Principal;
  requestId: string;
  /**
   * The IAM check for `action` (sts:AssumeRole, sns:CreateTopic, …) on `resource`, with the
   * request's condition keys: root always; otherwise an Allow is needed and an explicit Deny wins
   * (`implicitAllow`: granted unless denied).
   */
  authorize(action: string, resource: string, opts?: { implicitAllow?: boolean }): Promise<void>;
}

export type QueryHandler = (ctx: QueryCtx) => Promise<Response>;

const notImplemented: QueryHandler = async () => { throw new QueryError("NotImplemented"); };

type ActionRow = { api: QueryApi; handler: QueryHandler };

/** SQS's rows: one per handler of its table (query/sqs.ts), which the compiler checks. */
const SQS_ROWS = Object.fromEntries(
  (Object.keys(SQS_ACTIONS) as SqsAction[]).map((a) => [a, { api: "sqs", handler: sqsQueryHandler(a) }]),
) as Record<SqsAction, ActionRow>;

/** Every action has a row; the compiler checks the table is complete. */
export const ACTIONS: Record<QueryAction, ActionRow> = {
  ...SQS_ROWS,
  AssumeRole: { api: "sts", handler: assumeRole },
  GetCallerIdentity: { api: "sts", handler: getCallerIdentity },
  CreateTopic: { api: "sns", handler: createTopic },
  DeleteTopic: { api: "sns", handler: deleteTopic },
  GetTopicAttributes: { api: "sns", handler: getTopicAttributes },
  SetTopicAttributes: { api: "sns", handler: setTopicAttributes },
  ListTopics: { api: "sns", handler: listTopics },
  // Ceph's own (deprecated there in favour of GetTopicAttributes).
  GetTopic: { api: "sns", handler: getTopic },
};

export const isQueryAction = (a: string): a is QueryAction => Object.hasOwn(ACTIONS, a);
