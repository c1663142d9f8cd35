// The AWS Query APIs by Action (form field `Action=…`): which API answers, its namespace, the
// service name its signatures carry, and the handler. Every action a client of ours sends is
// listed; unknown ones are InvalidAction.
import type { Deps } from "../deps.ts";
import type { Principal } from "../auth/principal.ts";
import { QueryError } from "./errors.ts";
import { assumeRole, getCallerIdentity } from "./sts.ts";
import { createTopic, deleteTopic, getTopic, getTopicAttributes, listTopics, setTopicAttributes } from "./sns.ts";

export type QueryApi = "sts" | "sns" | "iam";

export const QUERY_APIS: Record<QueryApi, { service: string; ns: string; version: string }> = {
  sts: { service: "sts", ns: "https://sts.amazonaws.com/doc/2011-06-15/", version: "2011-06-15" },
  sns: { service: "sns", ns: "https://sns.amazonaws.com/doc/2010-03-31/", version: "2010-03-31" },
  iam: { service: "iam", ns: "https://iam.amazonaws.com/doc/2010-05-08/", version: "2010-05-08" },
};

export const QUERY_ACTIONS = [
  "AssumeRole", "GetCallerIdentity",
  "CreateTopic", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "ListTopics", "GetTopic",
] as const;
export type QueryAction = (typeof QUERY_ACTIONS)[number];

export interface QueryCtx {
  deps: Deps;
  req: Request;
  /** Query string and form fields merged (JuiceFS sends STS parameters in the query string). */
  params: URLSearchParams;
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

/** Every action has a row; the compiler checks the table is complete. */
export const ACTIONS: Record<QueryAction, { api: QueryApi; handler: QueryHandler }> = {
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
