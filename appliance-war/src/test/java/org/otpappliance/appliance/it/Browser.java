package org.otpappliance.appliance.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian chromium driven through Debian's chromedriver, both named by path so that
 * Selenium Manager never runs and nothing is downloaded.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Generous: the machine is shared, and a wait ends as soon as its condition holds. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Skips the test (fails it under CI) when chromium or chromedriver is missing. */
    static Browser start(String test) {
        List<String> missing = new ArrayList<>();
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                missing.add(p.toString());
            }
        }
        Prerequisites.require(test, missing, "apt-get install chromium chromium-driver");
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // --no-sandbox: tests may run as root, where chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100",
                "--no-first-run", "--disable-gpu");
        return new Browser(new ChromeDriver(service, options));
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String cssSelector) {
        return driver.findElement(By.cssSelector(cssSelector));
    }

    void type(String id, String text) {
        WebElement e = until(d -> {
            WebElement f = d.findElement(By.id(id));
            return f.isDisplayed() ? f : null;
        });
        e.clear();
        e.sendKeys(text);
    }

    void click(String cssSelector) {
        until(d -> {
            WebElement e = d.findElement(By.cssSelector(cssSelector));
            return e.isDisplayed() && e.isEnabled() ? e : null;
        }).click();
    }

    /** Clicks the button whose name is exactly {@code name}: its text, or its aria-label when it has one. */
    void clickButton(String name) {
        button(name).click();
    }

    /** Waits for the visible button whose name is exactly {@code name}: its text, or its aria-label when it has one. */
    WebElement button(String name) {
        return until(d -> d.findElements(By.tagName("button")).stream().filter(b -> b.isDisplayed()
                && name.equals(b.getAttribute("aria-label") != null ? b.getAttribute("aria-label") : b.getText()))
                .findFirst().orElse(null));
    }

    /** Accepts the confirmation dialog (window.confirm) that the page has opened or is about to open. */
    void acceptConfirm() {
        until(d -> {
            try {
                d.switchTo().alert().accept();
                return Boolean.TRUE;
            } catch (org.openqa.selenium.NoAlertPresentException e) {
                return null;
            }
        });
    }

    /** Chooses a file in a file input, as a person would in the file dialog. */
    void chooseFile(String id, Path file) {
        driver.findElement(By.id(id)).sendKeys(file.toAbsolutePath().toString());
    }

    void waitVisible(String cssSelector) {
        until(d -> d.findElement(By.cssSelector(cssSelector)).isDisplayed() ? Boolean.TRUE : null);
    }

    /** Waits until the element's text contains every one of {@code parts}, and returns the text. */
    String waitText(String cssSelector, String... parts) {
        return until(d -> {
            String text = d.findElement(By.cssSelector(cssSelector)).getText();
            for (String p : parts) {
                if (!text.contains(p)) {
                    return null;
                }
            }
            return text;
        });
    }

    <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition::apply);
    }

    /** Writes a screenshot next to the build's other artifacts: appliance-war/target/console-screenshots/NAME.png. */
    void screenshot(String name) {
        Path dir = Path.of(System.getProperty("appliance.jar", "target/otp-appliance.jar")).toAbsolutePath().getParent()
                .resolve("console-screenshots");
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
