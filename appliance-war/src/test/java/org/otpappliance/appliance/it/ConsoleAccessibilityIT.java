package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;

/**
 * The console for people who do not use a mouse, use a screen reader, zoom in or hold a phone: every page is checked
 * in the browser for names on its controls and a sane structure, worked with the keyboard alone, and laid out at
 * 200% zoom and at a phone's width. The screenshots of docs/console.md come from here.
 */
@ExtendWith(SharedAppliance.class)
class ConsoleAccessibilityIT {
    /** The pages behind the nav's links, in the nav's order. */
    static final List<String> PAGES = List.of("dashboard", "users", "import", "radius", "clients", "admins", "audit");

    /** Shared by the checks below: whether an element is shown, and how to name it in a failure. */
    private static final String HELPERS = """
            const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
            const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
              + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : '')
              + ' "' + (e.textContent || '').trim().substring(0, 30) + '"';
            """;

    /** What a screen reader would stumble on in the page as shown; an empty list when nothing. */
    private static final String AUDIT = HELPERS + """
            const problems = [];
            const text = id => (document.getElementById(id)?.textContent || '').trim();
            const named = e => (e.getAttribute('aria-label') || '').trim()
              || (e.getAttribute('aria-labelledby') || '').split(/\\s+/).map(text).join('')
              || [...(e.labels || [])].map(l => l.textContent.trim()).join('')
              || (e.tagName === 'BUTTON' && e.textContent.trim());
            for (const e of document.querySelectorAll('input, select, textarea, button')) {
              if (shown(e) && !named(e)) problems.push('no accessible name: ' + describe(e));
            }
            const ids = new Set();
            for (const e of document.querySelectorAll('[id]')) {
              if (ids.has(e.id)) problems.push('id used twice: ' + e.id);
              ids.add(e.id);
            }
            for (const e of document.querySelectorAll('img')) {
              if (!e.hasAttribute('alt')) problems.push('image without alt: ' + describe(e));
            }
            for (const e of document.querySelectorAll('svg')) {
              if (shown(e) && !(e.getAttribute('role') === 'img' && named(e))) problems.push('svg without role img and a name: ' + describe(e));
            }
            if (!document.documentElement.lang) problems.push('no lang on html');
            if (document.querySelectorAll('main').length !== 1) problems.push('not one main');
            if (document.querySelectorAll('h1').length !== 1) problems.push('not one h1');
            const loggedIn = shown(document.getElementById('nav'));
            if (loggedIn === shown(document.getElementById('login-page'))) problems.push('nav shown on the login page, or hidden after it');
            const pages = [...document.querySelectorAll('main > section')].filter(shown);
            if (pages.length !== 1) problems.push(pages.length + ' pages shown');
            for (const p of pages) {
              const h2 = p.querySelectorAll('h2');
              if (h2.length !== 1 || p.getAttribute('aria-labelledby') !== h2[0].id) problems.push('page without its one h2: ' + p.id);
            }
            let level = 1;
            for (const h of [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown)) {
              const l = Number(h.tagName[1]);
              if (l > level + 1) problems.push('heading level skipped: ' + describe(h));
              level = l;
            }
            return problems;
            """;

    /**
     * What is wider than the viewport (unless inside a box that scrolls sideways on purpose) or smaller than 12 CSS
     * pixels of text; an empty list when nothing.
     */
    private static final String LAYOUT = HELPERS + """
            const problems = [];
            const root = document.documentElement;
            const width = root.clientWidth;
            if (root.scrollWidth > width) problems.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + width);
            const inScroller = e => {
              for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
              }
              return false;
            };
            for (const e of document.body.querySelectorAll('*')) {
              if (!shown(e)) continue;
              const right = e.getBoundingClientRect().right;
              if (right > width + 0.5 && !inScroller(e)) problems.push(describe(e) + ' ends at ' + Math.round(right) + ' > ' + width);
              const ownText = [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
              if (!ownText) continue;
              // SVG text is scaled with its drawing: its size on screen is its font size times the drawing's scale.
              const scale = e instanceof SVGGraphicsElement ? e.getScreenCTM().a : 1;
              const size = parseFloat(getComputedStyle(e).fontSize) * scale;
              if (size < 11.99) problems.push(describe(e) + ' has text of ' + size.toFixed(1) + ' px');
            }
            return problems;
            """;

    static Appliance appliance;
    static Api api;

    @BeforeAll
    static void connect(Appliance shared) throws Exception {
        appliance = shared;
        api = shared.api();
    }

    @Test
    void everyPageNamesItsControlsAndHasASaneStructure() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        try (Browser b = atLogin()) {
            assertAccessible(b, "login");
            b.screenshot("a11y-login");
            ConsoleAdmin.logIn(b, appliance.base(), admin.name(), ConsoleAdmin.PASSWORD, Codes.totp(admin.token(), 0));
            b.waitText("#whoami", admin.name());
            String user = "a11y-" + UUID.randomUUID().toString().substring(0, 8);
            openUserWithToken(b, user);
            for (String page : PAGES) {
                ConsoleAdmin.page(b, page);
                if (page.equals("users")) {
                    findUser(b, user);
                }
                assertAccessible(b, page);
                b.screenshot("a11y-" + page);
            }
        }
    }

    @Test
    void anAdminLogsInAndMovesBetweenPagesWithTheKeyboardAlone() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        try (Browser b = atLogin()) {
            assertFocus(b, "login-username");
            keys(b, admin.name(), Keys.TAB, ConsoleAdmin.PASSWORD, Keys.TAB, Codes.totp(admin.token(), 0), Keys.ENTER);
            b.waitText("#whoami", admin.name());
            assertFocus(b, "dashboard-title");

            // Back from the page into the nav, to each page's link, and Enter: the new page's heading has the focus.
            // The dashboard is not first (Enter on the link of the page shown changes nothing), the users page last.
            for (String page : List.of("import", "radius", "clients", "admins", "audit", "dashboard", "users")) {
                tabTo(b, "#nav a[href='#" + page + "']", true);
                keys(b, Keys.ENTER);
                b.waitVisible("#" + page + "-page");
                assertFocus(b, page + "-title");
            }
            // From the heading on into the page's controls.
            keys(b, Keys.TAB);
            assertFocus(b, "search-text");
            String user = "kbd-" + UUID.randomUUID().toString().substring(0, 8);
            keys(b, user, Keys.ENTER);
            b.waitText("#user-list", "No user found.");
            tabTo(b, "#new-username", false);
            keys(b, user, Keys.ENTER);
            b.waitText("#user-title", user);

            // The skip link is the first stop: shown when it has the focus, it moves the focus to the page, not elsewhere.
            tabTo(b, ".skip", true);
            assertTrue((Boolean) b.driver.executeScript("const r = document.activeElement.getBoundingClientRect();"
                    + " return r.left >= 0 && r.top >= 0 && r.right <= innerWidth"), "the skip link is on screen when focused");
            keys(b, Keys.ENTER);
            assertFocus(b, "main");
            assertTrue(b.find("#users-page").isDisplayed(), "the skip link does not change the page");
        }
    }

    @Test
    void everyPageFitsAt200PercentZoomAndOnAPhone() {
        ConsoleAdmin admin = ConsoleAdmin.create(api);
        try (Browser b = Browser.start("ConsoleAccessibilityIT")) {
            // A 1280 px window at 200% zoom lays out as 640 CSS px; a phone is about 390.
            List<Dimension> sizes = List.of(new Dimension(640, 900), new Dimension(390, 844));
            b.open(appliance.base() + "/admin/");
            b.waitVisible("#login-page");
            for (Dimension size : sizes) {
                resize(b, size);
                assertFits(b, "login at " + size.width);
            }
            resize(b, new Dimension(1280, 1100));
            ConsoleAdmin.logIn(b, appliance.base(), admin.name(), ConsoleAdmin.PASSWORD, Codes.totp(admin.token(), 0));
            b.waitText("#whoami", admin.name());
            String user = "a11y-" + UUID.randomUUID().toString().substring(0, 8);
            String serial = openUserWithToken(b, user);
            // A token with failures has all three actions, and still the tokens table fits its box at 1280 px.
            assertEquals("REJECT", api.validate(user, "000000"));
            b.clickButton("Disable " + serial);
            b.button("Unlock " + serial);
            assertEquals(0L, b.driver.executeScript("const t = document.getElementById('tokens'); return t.scrollWidth - t.clientWidth"),
                    "the tokens table scrolls at 1280 px");

            for (Dimension size : sizes) {
                resize(b, size);
                for (String page : PAGES) {
                    ConsoleAdmin.page(b, page);
                    assertFits(b, page + " at " + size.width);
                }
            }
            ConsoleAdmin.page(b, "users");
            findUser(b, user);
            b.screenshot("a11y-users-phone");
        }
    }

    private static void resize(Browser b, Dimension size) {
        b.driver.manage().window().setSize(size);
        assertEquals((long) size.width, b.driver.executeScript("return window.innerWidth"), "the viewport is as wide as the window");
    }

    /** Creates this user, enrolls a TOTP token and hides its seed, validates a code and opens the token; answers its serial. */
    private static String openUserWithToken(Browser b, String user) {
        ConsoleAdmin.page(b, "users");
        b.type("new-username", user);
        b.click("#create-user-form button[type=submit]");
        b.waitText("#user-title", user);
        b.type("enroll-description", "Phone app");
        b.click("#enroll-form button[type=submit]");
        String uri = ConsoleAdmin.shownUri(b, "totp");
        String serial = b.find("#enrolled-serial").getText();
        b.clickButton("Done: hide the seed");
        JsonObject token = Json.createObjectBuilder().add("otpauthUri", uri).add("period", 30).add("digits", 6)
                .add("algorithm", "SHA1").build();
        assertEquals("ACCEPT", api.validate(user, Codes.totp(token, 0)));
        b.clickButton("Manage " + serial);
        b.waitText("#token-validations tbody", "ACCEPT");
        return serial;
    }

    /** Lists only this user on the users page, as a screenshot should show it. */
    private static void findUser(Browser b, String user) {
        b.type("search-text", user);
        b.click("#search-form button[type=submit]");
        b.waitText("#user-list", user);
    }

    private static Browser atLogin() {
        Browser b = Browser.start("ConsoleAccessibilityIT");
        b.open(appliance.base() + "/admin/");
        b.waitVisible("#login-page");
        return b;
    }

    private static void assertAccessible(Browser b, String page) {
        List<?> problems = (List<?>) b.driver.executeScript(AUDIT);
        assertEquals(List.of(), problems, page);
    }

    private static void assertFits(Browser b, String what) {
        List<?> problems = (List<?>) b.driver.executeScript(LAYOUT);
        assertEquals(List.of(), problems, what);
    }

    private static void keys(Browser b, CharSequence... keys) {
        new Actions(b.driver).sendKeys(keys).perform();
    }

    private static void assertFocus(Browser b, String id) {
        b.until(d -> id.equals(d.switchTo().activeElement().getAttribute("id")) ? Boolean.TRUE : null);
    }

    /**
     * Presses Tab (Shift+Tab when {@code back}) until the element that {@code selector} finds has the focus, and
     * checks that the focus shows there: an outline of 2 px or more, at least 3:1 against the page's white.
     */
    private static void tabTo(Browser b, String selector, boolean back) {
        for (int i = 0; i < 80; i++) {
            keys(b, back ? Keys.chord(Keys.SHIFT, Keys.TAB) : Keys.TAB);
            Object focus = b.driver.executeScript("""
                    const e = document.activeElement;
                    if (!e.matches(arguments[0])) return null;
                    const s = getComputedStyle(e);
                    const [r, g, b] = s.outlineColor.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(v => v / 255)
                      .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
                    const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
                    return e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                      && contrast >= 3 ? 'visible' : 'not visible: ' + s.outline + ', contrast ' + contrast.toFixed(2);
                    """, selector);
            if (focus != null) {
                assertEquals("visible", focus, "the focus on " + selector);
                return;
            }
        }
        fail("Tab never reached " + selector);
    }
}
