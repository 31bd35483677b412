package dev.amdahl;

/** The base of the exceptions Amdahl throws; the message says what happened and what to do. */
public class AmdahlException extends RuntimeException {

    public AmdahlException(String message) {
        super(message);
    }

    public AmdahlException(String message, Throwable cause) {
        super(message, cause);
    }
}
