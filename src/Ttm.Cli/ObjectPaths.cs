using System.Globalization;
using Ttm.Protos.V1;

namespace Ttm.Cli;

/// <summary>The command line's way of writing an edited motion: <c>OBJECT:X,Y;X,Y;…</c>, points spread evenly over the clip.</summary>
static class ObjectPaths
{
    /// <summary>Parses <c>1:40,20;80,20</c> (object 1 dragged from (40, 20) at the clip's start to (80, 20) at its end).</summary>
    /// <exception cref="ArgumentException">the text is not of that form; the server checks the values themselves</exception>
    public static ObjectPath Parse(string text)
    {
        var parts = text.Split(':', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
            throw new ArgumentException($"--path {text}: expected OBJECT:X,Y;X,Y;… with OBJECT the plan's object index, e.g. 0:40,20;80,20.");
        var points = parts[1].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var path = new ObjectPath { Object = index };
        for (int i = 0; i < points.Length; i++)
        {
            var xy = points[i].Split(',');
            if (xy.Length != 2 || !float.TryParse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float x)
                || !float.TryParse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float y))
                throw new ArgumentException($"--path {text}: point '{points[i]}' is not X,Y in pixels.");
            path.Points.Add(new PathPoint { T = points.Length == 1 ? 0f : i / (float)(points.Length - 1), X = x, Y = y, Scale = 1f });
        }
        return path;
    }
}
