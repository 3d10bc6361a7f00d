package io.fail2bancluster.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Packages depend one way: the JDK's {@code jdeps} reads the main code of every module on this module's
 * class path (util, protocol, config, nats, metrics, broker, client, agent and the harness: everything the
 * integration tests run), and any two of our packages that reach each other, directly or round a longer
 * loop, fail the build with the loop named. In the unit-test phase of {@code mvn verify}, a second or two.
 */
class PackageCyclesTest {
    private static final String OURS = "io.fail2bancluster";
    /** {@code   io.fail2bancluster.a   -> io.fail2bancluster.b   where}: one package edge of -verbose:package. */
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s");

    @Test
    void noPackageOfOursDependsOnItselfRoundALoop() throws IOException {
        List<Path> roots = mainCodeRoots();
        assertTrue(roots.size() >= 8, "the main code of every module is on the class path: " + roots);
        Map<String, Set<String>> graph = packageGraph(roots);
        assertTrue(graph.containsKey(OURS + ".agent.assembly"), "jdeps saw the agent's packages: " + graph.keySet());
        List<Set<String>> cycles = cycles(graph);
        StringBuilder described = new StringBuilder();
        for (Set<String> cycle : cycles) {
            described.append("\n  ").append(cycle).append(":");
            for (String from : cycle) {
                for (String to : graph.get(from)) {
                    if (cycle.contains(to)) {
                        described.append("\n    ").append(from).append(" -> ").append(to);
                    }
                }
            }
        }
        assertEquals(List.of(), cycles, "package cycles (each group reaches itself):" + described);
    }

    /**
     * The agent's parts never reach up into the package they sit in ({@code link}, {@code fanout}, ...
     * never import {@code io.fail2bancluster.agent}): what assembles them lives beside them, in
     * {@code assembly}, so a part can be read, tested and moved without the whole. (The client's
     * {@code cds}, the AppCDS training, runs the client itself, so it uses the package it sits in.)
     */
    @Test
    void noPartOfTheAgentImportsAPackageItSitsIn() throws IOException {
        Map<String, Set<String>> graph = packageGraph(mainCodeRoots());
        List<String> upward = new ArrayList<>();
        graph.forEach((from, tos) -> tos.stream()
                .filter(to -> from.startsWith(OURS + ".agent.") && from.startsWith(to + "."))
                .forEach(to -> upward.add(from + " -> " + to)));
        assertEquals(List.of(), upward, "agent packages that import a package they sit in");
    }

    /** Every class path root holding our packages, test classes left out. */
    private static List<Path> mainCodeRoots() throws IOException {
        List<Path> roots = new ArrayList<>();
        Enumeration<URL> found = PackageCyclesTest.class.getClassLoader().getResources(OURS.replace('.', '/'));
        while (found.hasMoreElements()) {
            URL url = found.nextElement();
            Path root;
            try {
                if ("jar".equals(url.getProtocol())) {
                    root = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
                } else {
                    root = Path.of(new URI(url.toString())).getParent().getParent();
                }
            } catch (URISyntaxException e) {
                throw new IOException(url.toString(), e);
            }
            if (!root.endsWith("test-classes") && !roots.contains(root)) {
                roots.add(root);
            }
        }
        return roots;
    }

    /** Our packages and the packages of ours each one uses, by {@code jdeps -verbose:package}. */
    private static Map<String, Set<String>> packageGraph(List<Path> roots) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        List<String> args = new ArrayList<>(List.of("-verbose:package", "-filter:package", "-include", OURS + "\\..*",
                "--multi-release", "base"));
        roots.forEach(root -> args.add(root.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertEquals(0, status, "jdeps " + args + ": " + err);
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher edge = EDGE.matcher(line);
            if (edge.find() && edge.group(1).startsWith(OURS)) {
                graph.computeIfAbsent(edge.group(1), p -> new TreeSet<>());
                if (edge.group(2).startsWith(OURS + ".") && !edge.group(2).equals(edge.group(1))) {
                    graph.get(edge.group(1)).add(edge.group(2));
                    graph.computeIfAbsent(edge.group(2), p -> new TreeSet<>());
                }
            }
        }
        return graph;
    }

    /** The strongly connected groups of more than one package (Tarjan), each sorted, in name order. */
    static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> groups = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, onStack, groups);
            }
        }
        groups.sort((a, b) -> a.iterator().next().compareTo(b.iterator().next()));
        return Collections.unmodifiableList(groups);
    }

    private static void connect(String node, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                List<Set<String>> groups) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        onStack.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, graph, index, low, stack, onStack, groups);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> group = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                group.add(member);
            } while (!member.equals(node));
            if (group.size() > 1) {
                groups.add(group);
            }
        }
    }
}
