namespace Calib.Graph.IO;

public static partial class NpyFile
{
    /// <summary>Reads <paramref name="file"/> as a tensor of any dtype calib feeds (see <see cref="ElementTypes"/>).</summary>
    /// <exception cref="CalibException">The file is not a .npy file calib can read; the message says why.</exception>
    public static TypedArray ReadTyped(string file) => ReadTyped(System.IO.File.ReadAllBytes(file), file);

    /// <summary>Reads the .npy content <paramref name="bytes"/>; <paramref name="name"/> names it in messages (a file, or "archive.npz[key]").</summary>
    /// <exception cref="CalibException">The content is not a .npy array calib can read; the message says why.</exception>
    public static TypedArray ReadTyped(byte[] bytes, string name)
    {
        var (header, dataStart) = ReadHeader(bytes, name);
        var descr = Field(DescrPattern(), header, name, "descr");
        if (Field(FortranPattern(), header, name, "fortran_order") == "True")
            throw new CalibException(
                $"'{name}' is stored in Fortran order: save the array in C order (numpy.ascontiguousarray) for calib.");
        var shape = ParseShape(Field(ShapePattern(), header, name, "shape"), name).Select(d => (long)d).ToArray();
        var type = ElementTypes.FromDescriptor(descr)
            ?? throw new CalibException($"'{name}' has dtype '{descr}': calib reads little-endian {ElementTypes.Names} arrays.");
        var length = shape.Aggregate(1L, (product, dimension) => product * dimension) * ElementTypes.Size(type);
        if (bytes.Length - dataStart < length) throw Truncated(name);
        return new TypedArray(type, shape, bytes.AsSpan(dataStart, (int)length).ToArray());
    }
}
