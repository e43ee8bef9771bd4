package dev.tailor.server;

import dev.tailor.trainer.data.ImageSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console at {@code /console} in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium; nothing is downloaded) against a real server serving
 * the shipped {@code cnn4b.onnx}: the model list, live metrics, an uploaded test image with its top
 * class and explanation overlay, and load/unload with the admin token. Saves
 * {@code target/screenshots/console.png}.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "console-test-token";
    private static TestServer server;
    private static WebDriver browser;

    /** A folder with the shipped cnn4b alone: unloading it must leave the server with no model ready. */
    @TempDir
    static Path models;

    @BeforeAll
    static void start() throws Exception {
        for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
            assertTrue(Files.isExecutable(binary), binary + " is missing: install Debian's packages"
                    + " (apt-get install -y chromium chromium-driver), or run scripts/test.sh as root, which does");
        }
        Files.copy(Fixtures.shippedModels().resolve("cnn4b.onnx"), models.resolve("cnn4b.onnx"));
        server = TestServer.start(models, Map.of("tailor.repository.api-token", TOKEN),
                new TestObserver());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1400,1100", "--hide-scrollbars");
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void consoleShowsModelsMetricsAndExplainsAnUploadedImage() throws Exception {
        browser.get(server.uri("/console/").toString());
        await(() -> text("#status").equals("ready"), "the console shows the server ready");
        WebElement row = await(() -> find("#models tbody tr[data-model='cnn4b']"), "the model list shows cnn4b");
        String cells = row.getText();
        assertTrue(cells.contains("ready") && cells.contains("CPUExecutionProvider") && cells.contains("queue 512"),
                "state, provider and batching are shown: " + cells);
        String sha = row.findElement(By.cssSelector(".mono")).getAttribute("title");
        assertEquals(server.modelList().get(0).get("sha256").asText(), sha, "the full SHA-256 is the server's");

        Path trouser = Files.createTempFile("trouser", ".png");
        trouser.toFile().deleteOnExit();
        ImageSet images = Fixtures.testImages();
        Files.write(trouser, ServerEndToEndTest.png(images, firstOf(images, 1)));
        browser.findElement(By.id("file")).sendKeys(trouser.toString());
        await(() -> text("#top-class").equals("Trouser"), "the top class of a test trouser is Trouser");
        await(() -> "heat".equals(find("#overlay-canvas").getAttribute("data-rendered")), "the overlay rendered");
        long red = (Long) ((JavascriptExecutor) browser).executeScript(
                "const d = document.getElementById('overlay-canvas').getContext('2d').getImageData(0, 0, 224, 224).data;"
                        + "let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > d[i + 1] + 60) n++; return n;");
        assertTrue(red > 100, "the heat map is drawn over the input: " + red + " red pixels");
        assertEquals(5, browser.findElements(By.cssSelector("#predictions li")).size());
        await(() -> !text("#m-p50").equals("–") && !text("#m-queue").equals("–"), "live metrics show latency and queue");

        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path saved = Path.of("target", "screenshots", "console.png");
        Files.createDirectories(saved.getParent());
        Files.copy(shot.toPath(), saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void theAdminTokenUnloadsAndLoadsAndTheConsoleSaysWhenTheServerIsUnready() throws Exception {
        browser.get(server.uri("/console/").toString());
        await(() -> find("#models tbody tr[data-model='cnn4b'] button.unload") != null, "the model list shows cnn4b");
        assertTrue(!find("#models tbody tr[data-model='cnn4b'] button.unload").isEnabled(), "no token, no admin");

        browser.findElement(By.id("token")).sendKeys("wrong");
        await(() -> find("#models tbody tr[data-model='cnn4b'] button.unload").isEnabled(), "a token enables admin");
        click("#models tbody tr[data-model='cnn4b'] button.unload");
        await(() -> text("#admin-result").contains("401"), () -> "a wrong token is refused: " + text("#admin-result"));

        browser.findElement(By.id("token")).clear();
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        await(() -> find("#models tbody tr[data-model='cnn4b'] button.unload").isEnabled(), "the token enables admin");
        click("#models tbody tr[data-model='cnn4b'] button.unload");
        await(() -> text("#models tbody tr[data-model='cnn4b']").contains("unloaded"), "cnn4b shows unloaded");
        await(() -> text("#status").equals("not ready") && find("#banner").isDisplayed()
                && text("#banner").contains("not ready"), "the console says the server is not ready");
        await(() -> text("#try-note").contains("No model is ready"), "try-it says why it cannot run");

        click("#models tbody tr[data-model='cnn4b'] button.load");
        await(() -> text("#models tbody tr[data-model='cnn4b']").contains("ready")
                && !text("#models tbody tr[data-model='cnn4b']").contains("unloaded"), "cnn4b serves again");
        await(() -> text("#status").equals("ready") && !find("#banner").isDisplayed(), "the banner goes");
    }

    private static int firstOf(ImageSet images, int label) {
        for (int i = 0; i < images.size(); i++) {
            if (images.label(i) == label) {
                return i;
            }
        }
        throw new AssertionError("no image of class " + label);
    }

    private static WebElement find(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? null : found.getFirst();
    }

    /**
     * Clicks the element {@code css} names, finding it again if the table was re-rendered between the
     * look-up and the click (a click on a detached element throws and has no effect, so none is doubled).
     */
    private static void click(String css) throws Exception {
        await(() -> {
            find(css).click();
            return true;
        }, "a click on " + css);
    }

    private static String text(String css) {
        WebElement e = find(css);
        return e == null ? "" : e.getText().trim();
    }

    /**
     * Waits until {@code condition} holds (true or non-null) and returns its value; the deadline only
     * catches a hang, nothing is timed. A stale element (the page re-rendered meanwhile) counts as not yet.
     */
    private static <T> T await(Supplier<T> condition, Supplier<String> what) throws Exception {
        return Eventually.value(Duration.ofMinutes(2), () -> "never happened: " + what.get(), () -> {
            try {
                T value = condition.get();
                return Boolean.FALSE.equals(value) ? null : value;
            } catch (StaleElementReferenceException | NullPointerException e) {
                return null; // re-rendered or not there yet
            }
        });
    }

    private static <T> T await(Supplier<T> condition, String what) throws Exception {
        return await(condition, () -> what);
    }
}
