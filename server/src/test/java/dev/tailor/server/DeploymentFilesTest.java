package dev.tailor.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files in {@code docker/} (no Docker engine or cluster runs here) parse, and name
 * what the server really has: its port, its probe endpoints (asked of a real server), its models
 * folder, the configuration keys their environment variables set, and the command-line options
 * they pass.
 */
class DeploymentFilesTest {
    private static final Path DOCKER = Path.of("..", "docker");
    /** Variables the entrypoint and health-check scripts read themselves; every other TAILOR_ one must be a config key. */
    private static final Set<String> SCRIPT_VARIABLES = Set.of("TAILOR_HOME", "TAILOR_JAVA_OPTS", "TAILOR_HEALTH_PATH");
    private static TestServer running;

    @BeforeAll
    static void start() throws Exception {
        running = TestServer.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void everyYamlFileParses() throws IOException {
        List<Path> files = yamlFiles();
        assertTrue(files.size() >= 7, "deployment files found: " + files);
        for (Path file : files) {
            List<Object> documents = documents(file);
            assertFalse(documents.isEmpty(), file + " holds no document");
        }
    }

    @Test
    void containersListenOnTheServersPortAndProbeRealEndpoints() throws Exception {
        int serverPort = applicationYaml().get("server") instanceof Map<?, ?> server ? (Integer) server.get("port") : -1;
        assertEquals(8080, serverPort, "application.yaml's port");
        List<Map<String, Object>> containers = containers();
        assertTrue(containers.size() >= 3, "containers found: " + containers.size());
        for (Map<String, Object> container : containers) {
            List<Map<String, Object>> ports = list(container.get("ports"));
            assertEquals(1, ports.size(), container.get("name") + ": one port carries HTTP and gRPC");
            assertEquals(serverPort, ports.get(0).get("containerPort"));
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                if (container.get(probe) instanceof Map<?, ?> p && p.get("httpGet") instanceof Map<?, ?> get) {
                    Object port = get.get("port");
                    assertTrue(port.equals(serverPort) || port.equals(ports.get(0).get("name")), probe + " port " + port);
                    assertEquals(200, status((String) get.get("path")), probe + " " + get.get("path") + " on a ready server");
                }
            }
            assertTrue(container.containsKey("readinessProbe"), container.get("name") + " has a readiness probe");
        }
    }

    @Test
    void environmentVariablesSetRealConfigurationKeys() throws IOException {
        Set<String> keys = configurationKeys();
        List<String> variables = new ArrayList<>();
        for (Map<String, Object> container : containers()) {
            for (Map<String, Object> env : list(container.get("env"))) {
                variables.add((String) env.get("name"));
            }
        }
        Map<?, ?> compose = (Map<?, ?>) documents(DOCKER.resolve("compose.yaml")).get(0);
        Map<?, ?> service = (Map<?, ?>) ((Map<?, ?>) compose.get("services")).get("tailor");
        ((Map<?, ?>) service.get("environment")).keySet().forEach(k -> variables.add((String) k));
        for (Path dockerfile : List.of(DOCKER.resolve("Dockerfile"), DOCKER.resolve("Dockerfile.gpu"))) {
            Matcher m = Pattern.compile("\\b((?:TAILOR|SERVER)_[A-Za-z_]+)=").matcher(Files.readString(dockerfile));
            while (m.find()) {
                variables.add(m.group(1));
            }
        }
        assertTrue(variables.contains("TAILOR_MODELS_dash_DIR"));
        for (String variable : variables) {
            if (SCRIPT_VARIABLES.contains(variable)) {
                continue;
            }
            String key = variable.replace("_dash_", "-").replace('_', '.').toLowerCase(java.util.Locale.ROOT);
            assertTrue(keys.contains(key), variable + " sets '" + key + "', which application.yaml does not know");
        }
    }

    @Test
    void modelsAreServedFromTheFolderTheImagesAndManifestsMount() throws IOException {
        for (Path dockerfile : List.of(DOCKER.resolve("Dockerfile"), DOCKER.resolve("Dockerfile.gpu"))) {
            String text = Files.readString(dockerfile);
            assertTrue(text.contains("COPY --chown=tailor:tailor models/ /models/"), dockerfile + " bakes models/ into /models");
            assertTrue(text.contains("TAILOR_MODELS_dash_DIR=/models"), dockerfile + " serves /models");
            assertTrue(text.contains("EXPOSE 8080"), dockerfile + " exposes the server port");
            assertTrue(text.contains("HEALTHCHECK") && text.contains("/app/bin/healthcheck.sh"), dockerfile + " checks health");
            assertTrue(text.contains("ENTRYPOINT [\"/app/bin/entrypoint.sh\"]"), dockerfile + " starts through the entrypoint");
            assertTrue(text.contains("USER tailor"), dockerfile + " runs unprivileged");
        }
        for (Path copied : List.of(Path.of("..", "models"), DOCKER.resolve("entrypoint.sh"), DOCKER.resolve("healthcheck.sh"))) {
            assertTrue(Files.exists(copied), copied + " (copied into the images) exists");
        }
        Map<?, ?> compose = (Map<?, ?>) documents(DOCKER.resolve("compose.yaml")).get(0);
        Map<?, ?> service = (Map<?, ?>) ((Map<?, ?>) compose.get("services")).get("tailor");
        String volume = String.valueOf(((List<?>) service.get("volumes")).get(0));
        assertTrue(volume.contains(":/models"), "compose mounts the host folder at /models: " + volume);
        assertEquals("/models", ((Map<?, ?>) service.get("environment")).get("TAILOR_MODELS_dash_DIR"));
    }

    @Test
    void kserveRuntimePassesOptionsTheServerAccepts() throws IOException {
        Map<?, ?> runtime = (Map<?, ?>) documents(DOCKER.resolve("k8s/kserve/servingruntime.yaml")).get(0);
        Map<?, ?> spec = (Map<?, ?>) runtime.get("spec");
        assertEquals(List.of("v2", "grpc-v2"), spec.get("protocolVersions"));
        Map<?, ?> container = (Map<?, ?>) ((List<?>) spec.get("containers")).get(0);
        List<String> args = ((List<?>) container.get("args")).stream().map(String::valueOf).toList();
        assertDoesNotThrow(() -> ServerMain.config(args.toArray(String[]::new)), "server options " + args);
        assertEquals("/mnt/models", args.get(args.indexOf("--models") + 1), "KServe's storage initializer fills /mnt/models");
        Map<?, ?> service = (Map<?, ?>) documents(DOCKER.resolve("k8s/kserve/inferenceservice.yaml")).get(0);
        Map<?, ?> model = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) service.get("spec")).get("predictor")).get("model");
        assertEquals(((Map<?, ?>) runtime.get("metadata")).get("name"), model.get("runtime"));
    }

    @Test
    void servicesTargetTheContainersNamedPort() throws IOException {
        Set<String> portNames = new HashSet<>();
        for (Map<String, Object> container : containers()) {
            list(container.get("ports")).forEach(p -> portNames.add(String.valueOf(p.get("name"))));
        }
        int services = 0;
        for (Object document : documents(DOCKER.resolve("k8s/service.yaml"))) {
            Map<?, ?> spec = (Map<?, ?>) ((Map<?, ?>) document).get("spec");
            for (Map<String, Object> port : list(spec.get("ports"))) {
                assertEquals(8080, port.get("port"));
                assertTrue(portNames.contains(String.valueOf(port.get("targetPort"))), "targetPort " + port.get("targetPort"));
            }
            services++;
        }
        assertEquals(2, services);
        Map<?, ?> hpa = (Map<?, ?>) documents(DOCKER.resolve("k8s/hpa.yaml")).get(0);
        Map<?, ?> target = (Map<?, ?>) ((Map<?, ?>) hpa.get("spec")).get("scaleTargetRef");
        assertEquals("tailor", target.get("name"), "the HPA scales the CPU Deployment");
    }

    private static int status(String path) throws Exception {
        return running.http().send(HttpRequest.newBuilder(running.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Every container of the Deployments and of the KServe runtime. */
    private static List<Map<String, Object>> containers() throws IOException {
        List<Map<String, Object>> containers = new ArrayList<>();
        for (Path file : yamlFiles()) {
            for (Object document : documents(file)) {
                if (document instanceof Map<?, ?> d && ("Deployment".equals(d.get("kind")) || "ServingRuntime".equals(d.get("kind")))) {
                    Map<?, ?> spec = (Map<?, ?>) d.get("spec");
                    Map<?, ?> podSpec = "Deployment".equals(d.get("kind"))
                            ? (Map<?, ?>) ((Map<?, ?>) spec.get("template")).get("spec") : spec;
                    containers.addAll(list(podSpec.get("containers")));
                }
            }
        }
        return containers;
    }

    /** Every key application.yaml sets, dotted ({@code tailor.repository.settle-ms}). */
    private static Set<String> configurationKeys() throws IOException {
        Set<String> keys = new HashSet<>();
        collect("", applicationYaml(), keys);
        return keys;
    }

    private static void collect(String prefix, Map<?, ?> node, Set<String> keys) {
        node.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            keys.add(key);
            if (v instanceof Map<?, ?> child) {
                collect(key, child, keys);
            }
        });
    }

    private static Map<?, ?> applicationYaml() throws IOException {
        return (Map<?, ?>) documents(Path.of("src/main/resources/application.yaml")).get(0);
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DOCKER)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static List<Object> documents(Path file) {
        try {
            List<Object> documents = new ArrayList<>();
            new Yaml().loadAll(Files.readString(file)).forEach(d -> {
                if (d != null) {
                    documents.add(d);
                }
            });
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        if (value == null) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object item : (List<?>) value) {
            out.add(item instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>(Map.of("value", item)));
        }
        return out;
    }
}
