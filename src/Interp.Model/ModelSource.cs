using Interp.Core;

namespace Interp.Model;

/// <summary>
/// Finds a model folder from a <c>--model</c> value: nothing → the embedded default (<c>data/models/default</c>); an
/// existing folder → itself; a Hugging Face hub name (<c>gpt2</c>, <c>gpt2-medium</c>, <c>org/name</c>) → a cache folder,
/// downloading the four files once when online.
/// </summary>
public static class ModelSource
{
    public const string DefaultModelRelativePath = "models/default";
    public static readonly string[] HubFiles = ["config.json", "model.safetensors", "vocab.json", "merges.txt"];

    /// <summary>The embedded default model shipped in the repository's <c>data/</c>.</summary>
    public static string DefaultModelDirectory => RepoPaths.DataFile(DefaultModelRelativePath);

    /// <summary>Cache root for hub downloads: <c>$INTERP_CACHE</c>, else <c>~/.cache/interp/hub</c>.</summary>
    public static string CacheRoot => Environment.GetEnvironmentVariable("INTERP_CACHE") is { Length: > 0 } custom
        ? custom
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "interp", "hub");

    /// <summary>Resolves <paramref name="model"/> to a folder that holds a loadable model.</summary>
    public static string Resolve(string? model, Action<string, long, long?>? downloadProgress = null)
    {
        if (string.IsNullOrWhiteSpace(model)) return DefaultModelDirectory;
        if (Directory.Exists(model)) return model;
        if (!LooksLikeHubName(model)) throw Refuse(o => $"{o("Model")} {model}: folder not found");

        var folder = Path.Combine(CacheRoot, model.Replace('/', '_'));
        if (HubFiles.All(f => File.Exists(Path.Combine(folder, f)))) return folder;
        string MissingHelp(Func<string, string> o) => $"put {string.Join(", ", HubFiles)} from https://huggingface.co/{model} in {folder} (or pass {o("Model")} DIR)";
        if (Environment.GetEnvironmentVariable("HF_HUB_OFFLINE") is "1" or "true")
            throw Refuse(o => $"{o("Model")} {model}: not in the local cache and HF_HUB_OFFLINE is set; {MissingHelp(o)}");
        try
        {
            HubDownload.DownloadAsync(model, folder, HubFiles, downloadProgress).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            var reason = e.Message.Split('\n')[0];
            throw Refuse(o => $"{o("Model")} {model}: download from huggingface.co failed ({reason}); {MissingHelp(o)}");
        }
        return folder;
    }

    /// <summary>The model option ("Model", a job's property name) by meaning, for <see cref="InvalidOptionException"/>s.</summary>
    public static string Meaning(string option) => option == "Model" ? "model" : option;

    private static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    private static bool LooksLikeHubName(string model) =>
        !model.Contains(Path.DirectorySeparatorChar.ToString() + Path.DirectorySeparatorChar) && !model.StartsWith('.') &&
        !model.StartsWith('/') && model.Count(c => c == '/') <= 1 && model.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/');
}

/// <summary>Downloads files from the Hugging Face hub into a folder, each to a temporary name first.</summary>
internal static class HubDownload
{
    public static async Task DownloadAsync(string repo, string folder, IEnumerable<string> files, Action<string, long, long?>? progress)
    {
        Directory.CreateDirectory(folder);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("interp/0.1");
        foreach (var file in files)
        {
            var target = Path.Combine(folder, file);
            if (File.Exists(target)) continue;
            using var response = await http.GetAsync($"https://huggingface.co/{repo}/resolve/main/{file}", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var total = response.Content.Headers.ContentLength;
            var tmp = AtomicFile.TemporaryPath(target);
            await using (var source = await response.Content.ReadAsStreamAsync())
            await using (var sink = File.Create(tmp))
            {
                var buffer = new byte[1 << 20];
                long done = 0;
                int read;
                while ((read = await source.ReadAsync(buffer)) > 0)
                {
                    await sink.WriteAsync(buffer.AsMemory(0, read));
                    done += read;
                    progress?.Invoke(file, done, total);
                }
            }
            File.Move(tmp, target, overwrite: true);
        }
    }
}
