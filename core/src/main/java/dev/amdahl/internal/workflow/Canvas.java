package dev.amdahl.internal.workflow;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amdahl.SubmitOptions;
import dev.amdahl.internal.json.Json;
import dev.amdahl.internal.task.RegisteredTask;
import dev.amdahl.internal.wire.TaskMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Workflows: the node model behind {@link Signature} and its compilation into messages.
 *
 * <h2>How a workflow runs</h2>
 * Compiling gives every task of the workflow its id up front and turns the workflow into the
 * signatures to publish now (its heads). What comes after a task travels inside that task's message
 * ({@code workflow}: {@code link} = signatures to publish with its result, {@code errlink} = error
 * callbacks, {@code chord} = the chord it is a member of). A worker, after storing a task's final
 * record and before acknowledging its message, runs those continuations ({@link Continuations}).
 * Because every id is known up front, the client's future simply watches the workflow's last task.
 *
 * <p>A chord's members carry the chord's id, the ids of all members and the callback. Each member
 * that succeeds increments the chord's counter in the result backend; the one that brings it to the
 * member count collects the members' results and publishes the callback. Nothing polls.
 */
public final class Canvas {

    /** A workflow node. */
    public sealed interface Node permits TaskNode, ChainNode, GroupNode, ChordNode {
    }

    /**
     * One task.
     *
     * @param args      its argument, or {@code null} to take the result of what runs before it
     * @param immutable whether it ignores the result of what runs before it
     * @param options   the options of the task handle it was made from; those that travel go with it
     */
    public record TaskNode(RegisteredTask<?, ?> task, JsonNode args, boolean immutable, String queue, SubmitOptions options,
                    List<Node> errbacks) implements Node {
    }

    record ChainNode(List<Node> steps, List<Node> errbacks) implements Node {
    }

    public record GroupNode(List<Node> members) implements Node {
    }

    record ChordNode(GroupNode header, Node body, List<Node> errbacks) implements Node {
    }

    private Canvas() {
    }

    public static Node immutable(Node node) {
        if (!(node instanceof TaskNode t)) {
            throw new IllegalArgumentException("only a single task's signature can be immutable, not " + describe(node));
        }
        return new TaskNode(t.task(), t.args(), true, t.queue(), t.options(), t.errbacks());
    }

    public static Node chain(List<Node> steps) {
        List<Node> flat = new ArrayList<>();
        for (Node s : steps) {
            if (s instanceof ChainNode c && c.errbacks().isEmpty()) {
                flat.addAll(c.steps());
            } else {
                flat.add(s);
            }
        }
        return new ChainNode(List.copyOf(flat), List.of());
    }

    public static Node chord(Node header, Node body) {
        if (!(header instanceof GroupNode g)) {
            throw new IllegalArgumentException("a chord's header must be a group, not " + describe(header));
        }
        checkCallbackTakes(g, body);
        return new ChordNode(g, body, List.of());
    }

    /**
     * Fails now, naming both, when a chord's callback cannot take the list of its header's results: its
     * argument is not a list (or array), or the list's elements are not what a member returns. Checked only
     * where both are known: a callback that ignores the results (immutable), a
     * member whose result type is itself a list of groups, or an element type of {@code Object} or a JSON
     * tree, pass. Numbers pass between each other, as JSON does not keep their Java types apart.
     */
    private static void checkCallbackTakes(GroupNode header, Node body) {
        RegisteredTask<?, ?> callback = firstTaking(body);
        if (callback == null) {
            return;
        }
        JavaType argument = callback.argumentType();
        if (accepts(argument)) {
            return;
        }
        if (!argument.isCollectionLikeType() && !argument.isArrayType()) {
            throw new IllegalArgumentException("the chord's callback '" + callback.name() + "' takes "
                    + argument.toCanonical() + ", but a chord calls it with the list of its members' results: "
                    + "register it with a List argument (Class tokens cannot say List<T>; use a TypeRef)");
        }
        JavaType element = argument.getContentType();
        if (accepts(element)) {
            return;
        }
        for (Node member : header.members()) {
            JavaType result = resultType(member);
            if (result != null && !fits(result.getRawClass(), element.getRawClass())) {
                throw new IllegalArgumentException("the chord's callback '" + callback.name() + "' takes "
                        + argument.toCanonical() + ", but its header member " + describe(member) + " returns "
                        + result.toCanonical());
            }
        }
    }

    private static boolean accepts(JavaType type) {
        return type.getRawClass() == Object.class || com.fasterxml.jackson.databind.JsonNode.class.isAssignableFrom(type.getRawClass());
    }

    private static boolean fits(Class<?> result, Class<?> element) {
        Class<?> r = boxed(result);
        Class<?> e = boxed(element);
        return e.isAssignableFrom(r) || (Number.class.isAssignableFrom(r) && Number.class.isAssignableFrom(e));
    }

    private static Class<?> boxed(Class<?> c) {
        return c.isPrimitive() ? java.lang.invoke.MethodType.methodType(c).wrap().returnType() : c;
    }

    /** The task that receives what runs before {@code node}, or {@code null} when none does or it is not one task. */
    private static RegisteredTask<?, ?> firstTaking(Node node) {
        if (node instanceof TaskNode t) {
            return t.immutable() ? null : t.task();
        }
        if (node instanceof ChainNode c && !c.steps().isEmpty()) {
            return firstTaking(c.steps().get(0));
        }
        return null;
    }

    /** What {@code node} completes with, where one task says it; {@code null} otherwise. */
    private static JavaType resultType(Node node) {
        if (node instanceof TaskNode t) {
            return t.task().resultType();
        }
        if (node instanceof ChainNode c && !c.steps().isEmpty()) {
            return resultType(c.steps().get(c.steps().size() - 1));
        }
        if (node instanceof ChordNode c) {
            return resultType(c.body());
        }
        return null;
    }

    public static Node onError(Node node, Node errback) {
        if (!(errback instanceof TaskNode)) {
            throw new IllegalArgumentException("an error callback must be a single task's signature, not " + describe(errback));
        }
        if (node instanceof TaskNode t) {
            return new TaskNode(t.task(), t.args(), t.immutable(), t.queue(), t.options(), append(t.errbacks(), errback));
        }
        if (node instanceof ChainNode c) {
            return new ChainNode(c.steps(), append(c.errbacks(), errback));
        }
        if (node instanceof ChordNode c) {
            return new ChordNode(c.header(), c.body(), append(c.errbacks(), errback));
        }
        throw new IllegalArgumentException("put error callbacks on a group's members, or make it a chord");
    }

    private static List<Node> append(List<Node> list, Node n) {
        List<Node> copy = new ArrayList<>(list);
        copy.add(n);
        return List.copyOf(copy);
    }

    public static String describe(Node node) {
        if (node instanceof TaskNode t) {
            return t.task().name() + (t.immutable() ? " (immutable)" : "");
        }
        if (node instanceof ChainNode c) {
            return c.steps().stream().map(Canvas::describe).collect(Collectors.joining(" | ", "chain(", ")"));
        }
        if (node instanceof GroupNode g) {
            return g.members().stream().map(Canvas::describe).collect(Collectors.joining(", ", "group(", ")"));
        }
        ChordNode c = (ChordNode) node;
        return "chord(" + describe(c.header()) + " -> " + describe(c.body()) + ")";
    }

    // ---- compilation -------------------------------------------------------------------------

    /** The compiled form of a node: the signatures that start it and those that end it (inside the first). */
    private record Built(List<ObjectNode> heads, List<ObjectNode> terminals) {
    }

    /** A compiled workflow: what to publish now, and the tasks whose results are its result. */
    public record Compiled(List<ObjectNode> heads, List<ObjectNode> terminals, Map<String, RegisteredTask<?, ?>> tasks) {

        /** The queues its steps go to, those published later by workers included. */
        public java.util.Set<String> queues() {
            java.util.Set<String> queues = new java.util.LinkedHashSet<>();
            for (ObjectNode head : heads) {
                forEachTask(head, step -> {
                    if (step.path("queue").isTextual()) {
                        queues.add(step.get("queue").asText());
                    }
                });
            }
            return queues;
        }
    }

    private static final class Compiler {
        final Map<String, RegisteredTask<?, ?>> tasks = new HashMap<>();

        Built build(Node node) {
            if (node instanceof TaskNode t) {
                ObjectNode sig = signature(t);
                return new Built(List.of(sig), List.of(sig));
            }
            if (node instanceof GroupNode g) {
                List<ObjectNode> heads = new ArrayList<>();
                List<ObjectNode> terminals = new ArrayList<>();
                for (Node m : g.members()) {
                    Built b = build(m);
                    heads.addAll(b.heads());
                    terminals.addAll(b.terminals());
                }
                return new Built(heads, terminals);
            }
            if (node instanceof ChainNode c) {
                return buildChain(c.steps(), c.errbacks());
            }
            return buildChord((ChordNode) node);
        }

        private Built buildChain(List<Node> steps, List<Node> errbacks) {
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("a chain needs at least one step");
            }
            Node first = steps.get(0);
            List<Node> rest = steps.subList(1, steps.size());
            if (first instanceof GroupNode g && !rest.isEmpty()) {
                // a group followed by anything is a chord: the next step waits for all the group's results
                Node body = rest.size() == 1 ? rest.get(0) : new ChainNode(List.copyOf(rest), List.of());
                return withErrbacks(buildChord(new ChordNode(g, body, List.of())), errbacks);
            }
            Built head = build(first);
            if (rest.isEmpty()) {
                return withErrbacks(head, errbacks);
            }
            if (head.terminals().size() != 1) {
                throw new IllegalArgumentException("in a chain, " + describe(first) + " ends in " + head.terminals().size()
                        + " tasks; make it a chord (a group followed by one callback) before chaining more steps");
            }
            Built tail = buildChain(rest, List.of());
            link(head.terminals().get(0), "link", tail.heads());
            return withErrbacks(new Built(head.heads(), tail.terminals()), errbacks);
        }

        private Built buildChord(ChordNode c) {
            Built header = build(c.header());
            Built body = build(c.body());
            List<ObjectNode> errbacks = compileErrbacks(c.errbacks());
            if (header.terminals().isEmpty()) {
                // defined behaviour, as in Celery: an empty header runs the callback at once with no results
                for (ObjectNode h : body.heads()) {
                    if (!h.path("immutable").asBoolean()) {
                        h.set("args", Json.mapper().createArrayNode());
                    }
                }
                return new Built(body.heads(), body.terminals());
            }
            ObjectNode chord = Json.mapper().createObjectNode();
            chord.put("id", TaskMessage.newId());
            ArrayNode members = chord.putArray("members");
            header.terminals().forEach(t -> members.add(t.get("id").asText()));
            chord.putArray("callbacks").addAll(body.heads());
            if (!errbacks.isEmpty()) {
                chord.putArray("errlink").addAll(errbacks);
            }
            for (ObjectNode t : header.terminals()) {
                workflow(t).set("chord", chord);
            }
            return new Built(header.heads(), body.terminals());
        }

        /** Error callbacks of a chain run for a failure at any of its steps; each step carries them. */
        private Built withErrbacks(Built built, List<Node> errbacks) {
            if (errbacks.isEmpty()) {
                return built;
            }
            List<ObjectNode> compiled = compileErrbacks(errbacks);
            for (ObjectNode head : built.heads()) {
                forEachTask(head, sig -> link(sig, "errlink", compiled));
            }
            return built;
        }

        private List<ObjectNode> compileErrbacks(List<Node> errbacks) {
            List<ObjectNode> out = new ArrayList<>();
            for (Node e : errbacks) {
                out.addAll(build(e).heads());
            }
            return out;
        }

        private ObjectNode signature(TaskNode t) {
            ObjectNode sig = Json.mapper().createObjectNode();
            String id = TaskMessage.newId();
            sig.put("id", id);
            sig.put("task", t.task().name());
            if (t.args() != null) {
                sig.set("args", t.args());
            }
            if (t.immutable()) {
                sig.put("immutable", true);
            }
            sig.put("queue", t.queue());
            StepOptions.write(sig, t.options());
            if (!t.errbacks().isEmpty()) {
                link(sig, "errlink", compileErrbacks(t.errbacks()));
            }
            tasks.put(id, t.task());
            return sig;
        }
    }

    /** Calls {@code action} on {@code sig} and on every task that follows it through links and chords. */
    static void forEachTask(JsonNode sig, java.util.function.Consumer<ObjectNode> action) {
        if (!(sig instanceof ObjectNode o)) {
            return;
        }
        action.accept(o);
        JsonNode wf = o.path("workflow");
        for (JsonNode next : wf.path("link")) {
            forEachTask(next, action);
        }
        for (JsonNode next : wf.path("chord").path("callbacks")) {
            forEachTask(next, action);
        }
    }

    private static ObjectNode workflow(ObjectNode sig) {
        JsonNode wf = sig.get("workflow");
        return wf instanceof ObjectNode o ? o : sig.putObject("workflow");
    }

    private static void link(ObjectNode sig, String kind, List<ObjectNode> next) {
        if (next.isEmpty()) {
            return;
        }
        JsonNode existing = workflow(sig).get(kind);
        ArrayNode list = existing instanceof ArrayNode a ? a : workflow(sig).putArray(kind);
        for (ObjectNode n : next) {
            // the same error callback may be attached to many steps: give each attachment its own copy
            list.add(kind.equals("errlink") ? withNewIds(n) : n);
        }
    }

    private static ObjectNode withNewIds(ObjectNode sig) {
        ObjectNode copy = sig.deepCopy();
        forEachTask(copy, s -> s.put("id", TaskMessage.newId()));
        return copy;
    }

    public static Compiled compile(Node root) {
        Compiler c = new Compiler();
        Built b = c.build(root);
        for (ObjectNode head : b.heads()) {
            if (head.get("args") == null) {
                throw new IllegalArgumentException("the first task of a workflow, '" + head.get("task").asText()
                        + "', has no argument: make it with task.sig(argument)");
            }
        }
        return new Compiled(b.heads(), b.terminals(), c.tasks);
    }
}
