package dev.amdahl;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A generic type for a task's argument or result, where a {@code Class} token cannot say it
 * ({@code List<Image>}, {@code Map<String, Tile>}): the "super type token" of Jackson's
 * {@code TypeReference}. Make one as an anonymous subclass, which keeps its type argument at run time.
 *
 * <pre>{@code
 * Task<Album, List<Image>> thumbnails = app.task("album.thumbnails",
 *         TypeRef.of(Album.class), new TypeRef<List<Image>>() { }, Albums::thumbnails);
 * List<Image> images = thumbnails.submit(album).result(Duration.ofMinutes(1));
 * }</pre>
 *
 * @param <T> the type it stands for
 */
public abstract class TypeRef<T> {

    private final Type type;

    /** Captures {@code T} from the anonymous subclass: {@code new TypeRef<List<Image>>() { }}. */
    protected TypeRef() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType p) || p.getRawType() != TypeRef.class) {
            throw new IllegalArgumentException("make a TypeRef as a direct anonymous subclass with its type argument: "
                    + "new TypeRef<List<Image>>() { }");
        }
        this.type = p.getActualTypeArguments()[0];
        if (!(type instanceof Class<?>) && !(type instanceof ParameterizedType)
                && !(type instanceof java.lang.reflect.GenericArrayType)) {
            throw new IllegalArgumentException("a TypeRef needs a concrete type, not " + type.getTypeName()
                    + ": a type variable or wildcard is erased before a worker could decode into it");
        }
    }

    private TypeRef(Type type) {
        this.type = type;
    }

    /** A reference to a plain class, for mixing with generic ones: {@code TypeRef.of(Album.class)}. */
    public static <T> TypeRef<T> of(Class<T> type) {
        java.util.Objects.requireNonNull(type, "type");
        return new TypeRef<>(type) { };
    }

    /** The type it stands for. */
    public Type type() {
        return type;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeRef<?> other && type.equals(other.type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return "TypeRef<" + type.getTypeName() + ">";
    }
}
