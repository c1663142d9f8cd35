// Ceph RGW's SNS topic API (the bucket-notification doc, "Topics"): CreateTopic, GetTopicAttributes,
// GetTopic (Ceph's own, deprecated there), ListTopics, DeleteTopic, SetTopicAttributes, answered in
// the SNS namespace with Ceph's response shapes. Topics live in the TargetRegistry (events/topics.ts).
import { S3Error } from "../xml/errors.ts";
import { buildXml } from "../xml/xml.ts";
import { QueryError } from "./errors.ts";
import type { QueryCtx, QueryHandler } from "./actions.ts";
import {
  endpointInfo, formAttributes, hasStoredSecret, parseTopicArn, topicArn, topicFromAttributes, TopicAttributeError,
  TOPIC_NAME, type TopicTarget,
} from "../events/topics.ts";
import type { Principal } from "../auth/principal.ts";

const NS = "https://sns.amazonaws.com/doc/2010-03-31/";
/** Topics per ListTopics page (AWS's page size). */
export const LIST_PAGE = 100;

const xml = (root: string, result: Record<string, unknown> | null, requestId: string) =>
  new Response(buildXml(root, {
    ...(result ? { [root.replace(/Response$/, "Result")]: result } : {}), ResponseMetadata: { RequestId: requestId },
  }, NS), { status: 200, headers: { "content-type": "text/xml" } });

const owner = (p: Principal) => (p.kind === "anonymous" ? "" : p.kind === "serviceAccount" || p.kind === "sts" ? p.parent : p.accessKey);
const secure = (ctx: QueryCtx) => new URL(ctx.req.url).protocol === "https:";

const invalid = (message: string) => new QueryError("InvalidArgument", { message });

/** The owner or root may change or remove a topic (Ceph: the topic's owner). */
function mayChange(ctx: QueryCtx, t: TopicTarget) {
  if (ctx.principal.kind !== "root" && owner(ctx.principal) !== t.owner) {
    throw new S3Error("AccessDenied", { message: "Only the topic's owner may change or delete it." });
  }
}

/** Ceph refuses to show a topic holding endpoint secrets over plain HTTP. */
function mayShow(ctx: QueryCtx, t: TopicTarget) {
  if (hasStoredSecret(t) && !secure(ctx)) throw invalid("Topics holding endpoint credentials are only shown over HTTPS.");
}

/**
 * The IAM check for an sns:* action on a topic (its ARN as this gateway spells it; "*" for all of
 * them): root always, others need an Allow and no Deny. A topic makes the gateway push to any URL,
 * so signing in is not enough (Ceph's account users need the same grants). Then the owner rule.
 */
const authorizeTopic = (ctx: QueryCtx, action: string, name: string) =>
  ctx.authorize(`sns:${action}`, topicArn(ctx.deps.config.region, name));

async function topicByArn(ctx: QueryCtx, action: string): Promise<TopicTarget> {
  const arn = ctx.params.get("TopicArn");
  if (!arn) throw new QueryError("MissingParameter", { message: "TopicArn is required." });
  const parsed = parseTopicArn(arn);
  if (!parsed) throw invalid(`'${arn}' is not a topic ARN (arn:aws:sns:<zonegroup>:<tenant>:<topic>).`);
  await authorizeTopic(ctx, action, parsed.name);
  const t = await ctx.deps.targets.getTopic(parsed.name);
  if (!t) throw new QueryError("NotFound", { message: `Topic ${arn} does not exist.` });
  return t;
}

function attributeError(e: unknown): never {
  if (e instanceof TopicAttributeError) throw invalid(e.message);
  throw e;
}

export const createTopic: QueryHandler = async (ctx) => {
  const name = ctx.params.get("Name");
  if (!name) throw new QueryError("MissingParameter", { message: "Name is required." });
  if (!TOPIC_NAME.test(name)) throw invalid("Topic names are 1 to 256 letters, digits, '.', '-' or '_'.");
  await authorizeTopic(ctx, "CreateTopic", name);
  const existing = await ctx.deps.targets.getTopic(name);
  if (existing) mayChange(ctx, existing);
  let topic: TopicTarget;
  try {
    // Ceph replaces the topic's settings on a second CreateTopic (its notifications must be re-created to see them).
    topic = topicFromAttributes(name, formAttributes(ctx.params), {
      owner: existing?.owner ?? owner(ctx.principal), secure: secure(ctx), amqp: !!ctx.deps.targetDrivers?.amqp,
    });
  } catch (e) {
    attributeError(e);
  }
  await ctx.deps.targets.putTopic(topic);
  return xml("CreateTopicResponse", { TopicArn: topicArn(ctx.deps.config.region, name) }, ctx.requestId);
};

const entry = (key: string, value: string) => ({ key, value });

export const getTopicAttributes: QueryHandler = async (ctx) => {
  const t = await topicByArn(ctx, "GetTopicAttributes");
  mayShow(ctx, t);
  // Ceph's JSON form of the endpoint: booleans as JSON booleans, the persistency settings as text.
  const ep = {
    ...endpointInfo(t),
    HasStoredSecret: hasStoredSecret(t),
    Persistent: t.persistent,
    TimeToLive: String(Math.floor(t.ttlMs / 1000)),
    MaxRetries: String(t.maxRetries),
    RetrySleepDuration: t.retrySleepSeconds === undefined ? "None" : String(t.retrySleepSeconds),
  };
  const attrs = [
    entry("User", t.owner), entry("Name", t.id), entry("EndPoint", JSON.stringify(ep)),
    entry("TopicArn", topicArn(ctx.deps.config.region, t.id)), entry("OpaqueData", t.opaqueData),
  ];
  if (t.policy !== undefined) attrs.push(entry("Policy", t.policy));
  return xml("GetTopicAttributesResponse", { Attributes: { entry: attrs } }, ctx.requestId);
};

const topicXml = (ctx: QueryCtx, t: TopicTarget) => ({
  User: t.owner,
  Name: t.id,
  EndPoint: endpointInfo(t),
  TopicArn: topicArn(ctx.deps.config.region, t.id),
  OpaqueData: t.opaqueData,
  ...(t.policy !== undefined ? { Policy: t.policy } : {}),
});

export const getTopic: QueryHandler = async (ctx) => {
  // Ceph's own action: the permission is GetTopicAttributes' (what it shows).
  const t = await topicByArn(ctx, "GetTopicAttributes");
  mayShow(ctx, t);
  return xml("GetTopicResponse", { Topic: topicXml(ctx, t) }, ctx.requestId);
};

export const listTopics: QueryHandler = async (ctx) => {
  await authorizeTopic(ctx, "ListTopics", "*");
  const all = await ctx.deps.targets.listTopics();
  // NextToken: the name of the first topic of the next page (topics are listed by name).
  const token = ctx.params.get("NextToken") ?? "";
  const from = token ? all.findIndex((t) => t.id >= token) : 0;
  const page = from < 0 ? [] : all.slice(from, from + LIST_PAGE);
  if (page.some((t) => hasStoredSecret(t)) && !secure(ctx)) throw invalid("Topics holding endpoint credentials are only listed over HTTPS.");
  const next = from >= 0 && from + LIST_PAGE < all.length ? all[from + LIST_PAGE].id : undefined;
  return xml("ListTopicsResponse", {
    Topics: page.length ? { member: page.map((t) => topicXml(ctx, t)) } : "",
    ...(next !== undefined ? { NextToken: next } : {}),
  }, ctx.requestId);
};

export const deleteTopic: QueryHandler = async (ctx) => {
  const arn = ctx.params.get("TopicArn");
  if (!arn) throw new QueryError("MissingParameter", { message: "TopicArn is required." });
  const parsed = parseTopicArn(arn);
  if (!parsed) throw invalid(`'${arn}' is not a topic ARN (arn:aws:sns:<zonegroup>:<tenant>:<topic>).`);
  await authorizeTopic(ctx, "DeleteTopic", parsed.name);
  const t = await ctx.deps.targets.getTopic(parsed.name);
  // Deleting an unknown topic is no error (Ceph's doc); its notifications stay and deliver nowhere.
  if (t) {
    mayChange(ctx, t);
    await ctx.deps.targets.removeTopic(parsed.name);
  }
  return xml("DeleteTopicResponse", null, ctx.requestId);
};

export const setTopicAttributes: QueryHandler = async (ctx) => {
  const t = await topicByArn(ctx, "SetTopicAttributes");
  mayChange(ctx, t);
  const name = ctx.params.get("AttributeName");
  if (!name) throw new QueryError("MissingParameter", { message: "AttributeName is required." });
  let topic: TopicTarget;
  try {
    topic = topicFromAttributes(t.id, new Map([[name, ctx.params.get("AttributeValue") ?? ""]]), {
      owner: t.owner, secure: secure(ctx), amqp: !!ctx.deps.targetDrivers?.amqp, base: t,
    });
  } catch (e) {
    attributeError(e);
  }
  await ctx.deps.targets.putTopic(topic);
  return xml("SetTopicAttributesResponse", null, ctx.requestId);
};
