package org.otpappliance.appliance.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Who may call a resource. Without it a resource is for admin keys only; {@code VALIDATE} lets
 * validate keys in too; {@code PUBLIC} needs no key; {@code CONSOLE} takes no key but a console
 * session cookie (and, on a state change, its CSRF token; see {@link ConsoleSessionFilter}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Access {
    Level value();

    enum Level { PUBLIC, VALIDATE, ADMIN, CONSOLE }
}
