using Microsoft.Data.Sqlite;

namespace Siglip2.Search;

/// <summary>
/// An image index in SQLite (WAL): one row per file — path, size, modification time, content hash, width × height,
/// embedding (float32 little-endian) or the error that kept the file out — and the model it was built with. Every
/// write batch is one transaction, so a process killed at any point leaves the rows of whole batches only.
/// </summary>
public sealed class ImageIndexStore : IDisposable
{
    private readonly SqliteConnection _db;

    public string Path { get; }

    private ImageIndexStore(string path, SqliteConnection db)
    {
        Path = path;
        _db = db;
    }

    public static ImageIndexStore Open(string path, bool create)
    {
        if (!create && !File.Exists(path)) throw new Siglip2Exception($"index database not found: {path} (build it with `siglip2 index DIR --db {path}`)");
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new Siglip2Exception($"cannot create the index {path}: folder {dir} does not exist");
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite }.ToString());
        try
        {
            db.Open();
            Execute(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            Execute(db, """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS images (
                  path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, sha256 TEXT,
                  width INTEGER NOT NULL, height INTEGER NOT NULL, embedding BLOB, error TEXT);
                """);
        }
        catch (SqliteException e)
        {
            db.Dispose();
            throw new Siglip2Exception($"{path} is not a usable index database: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        return new ImageIndexStore(path, db);
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    public string? GetMeta(string key)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT value FROM meta WHERE key = $k";
        c.Parameters.AddWithValue("$k", key);
        return c.ExecuteScalar() as string;
    }

    public void SetMeta(string key, string value)
    {
        using var c = _db.CreateCommand();
        c.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        c.Parameters.AddWithValue("$k", key);
        c.Parameters.AddWithValue("$v", value);
        c.ExecuteNonQuery();
    }

    /// <summary>Removes every row (a rebuild with another model).</summary>
    public void Clear()
    {
        using var t = _db.BeginTransaction();
        Execute(_db, "DELETE FROM images; DELETE FROM meta WHERE key <> 'generation';");
        SetMeta("generation", (Generation + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        t.Commit();
    }

    /// <summary>Path → (size, modified ticks) of every row, to find what changed.</summary>
    public Dictionary<string, (long Size, long Modified)> Stamps()
    {
        var result = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT path, size, mtime FROM images";
        using var r = c.ExecuteReader();
        while (r.Read()) result[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
        return result;
    }

    /// <summary>A counter raised by every write: an ANN file built at one generation is stale at the next.</summary>
    public long Generation => long.TryParse(GetMeta("generation"), out long g) ? g : 0;

    /// <summary>Writes (inserts or replaces) rows and deletes paths, in one transaction.</summary>
    public void Write(IEnumerable<IndexedImage> rows, IEnumerable<string>? deleted = null)
    {
        using var t = _db.BeginTransaction();
        SetMeta("generation", (Generation + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (var c = _db.CreateCommand())
        {
            c.CommandText = "INSERT OR REPLACE INTO images(path, size, mtime, sha256, width, height, embedding, error) VALUES ($p, $s, $m, $h, $w, $hh, $e, $err)";
            var p = c.Parameters.Add("$p", SqliteType.Text);
            var s = c.Parameters.Add("$s", SqliteType.Integer);
            var m = c.Parameters.Add("$m", SqliteType.Integer);
            var h = c.Parameters.Add("$h", SqliteType.Text);
            var w = c.Parameters.Add("$w", SqliteType.Integer);
            var hh = c.Parameters.Add("$hh", SqliteType.Integer);
            var e = c.Parameters.Add("$e", SqliteType.Blob);
            var err = c.Parameters.Add("$err", SqliteType.Text);
            foreach (var row in rows)
            {
                p.Value = row.Path; s.Value = row.Size; m.Value = row.ModifiedTicks; h.Value = (object?)row.Sha256 ?? DBNull.Value;
                w.Value = row.Width; hh.Value = row.Height; err.Value = (object?)row.Error ?? DBNull.Value;
                e.Value = row.Embedding is null ? DBNull.Value : ToBytes(row.Embedding);
                c.ExecuteNonQuery();
            }
        }
        if (deleted is not null)
            using (var d = _db.CreateCommand())
            {
                d.CommandText = "DELETE FROM images WHERE path = $p";
                var p = d.Parameters.Add("$p", SqliteType.Text);
                foreach (string path in deleted) { p.Value = path; d.ExecuteNonQuery(); }
            }
        t.Commit();
    }

    /// <summary>Every row (embeddings included), in path order.</summary>
    public List<IndexedImage> ReadAll()
    {
        var result = new List<IndexedImage>();
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT path, size, mtime, sha256, width, height, embedding, error FROM images ORDER BY path";
        using var r = c.ExecuteReader();
        while (r.Read())
            result.Add(new IndexedImage(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt32(4), r.GetInt32(5),
                r.IsDBNull(6) ? null : FromBytes((byte[])r[6]), r.IsDBNull(7) ? null : r.GetString(7)));
        return result;
    }

    private static byte[] ToBytes(float[] v)
    {
        var b = new byte[v.Length * 4];
        Buffer.BlockCopy(v, 0, b, 0, b.Length); // little-endian on every platform .NET runs this library on
        return b;
    }

    private static float[] FromBytes(byte[] b)
    {
        var v = new float[b.Length / 4];
        Buffer.BlockCopy(b, 0, v, 0, v.Length * 4);
        return v;
    }

    /// <summary>Folds the write-ahead log into the database file (before the file is moved or copied).</summary>
    public void Checkpoint() => Execute(_db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");

    public void Dispose() => _db.Dispose();
}
