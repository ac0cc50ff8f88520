using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Datasets;

/// <summary>The dataset calls the tests make, over either host.</summary>
internal static class DatasetClient
{
    public const string Csv = "text/csv";
    public const string Jsonl = "application/x-ndjson";
    public const string Json = "application/json";

    public static Task<ApiResponse> UploadAsync(this IApiDriver api, string dataset, string body, string? contentType, string query = "", string? key = TestKeys.Admin) =>
        api.SendAsync(HttpMethod.Post, $"/api/datasets/{dataset}/versions{query}", body, key, contentType: contentType);

    /// <summary>Uploads and asserts a version was created or found.</summary>
    public static async Task<JsonObject> CreateAsync(this IApiDriver api, string dataset, string body, string contentType, string query = "")
    {
        var response = await api.UploadAsync(dataset, body, contentType, query);
        Assert.True(response.Status is 200 or 201, response.ToString());
        return response.Json.AsObject();
    }

    public static string JsonBody(params JsonObject[] examples) =>
        new JsonObject { ["examples"] = new JsonArray(examples.Select(e => (JsonNode?)e).ToArray()) }.ToJsonString();

    /// <summary>Every example of a version (or split), following next_cursor page by page.</summary>
    public static async Task<List<JsonObject>> ReadAllAsync(this IApiDriver api, string dataset, string version, string? split = null, int limit = 100)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var query = new StringBuilder($"?limit={limit}");
            if (split is not null) query.Append("&split=").Append(Uri.EscapeDataString(split));
            if (cursor is not null) query.Append("&cursor=").Append(Uri.EscapeDataString(cursor));
            var page = await api.GetAsync($"/api/datasets/{dataset}/versions/{version}/examples{query}");
            Assert.True(page.Status == 200, page.ToString());
            var data = page.Json["data"]!.AsArray();
            Assert.True(data.Count <= limit);
            all.AddRange(data.Select(e => e!.AsObject()));
            cursor = page.Json["next_cursor"]?.GetValue<string>();
            if (cursor is not null) Assert.Equal(limit, data.Count);
        }
        while (cursor is not null);
        return all;
    }

    public static string Multipart(string boundary, params (string Name, string? FileName, string? ContentType, string Content)[] parts)
    {
        var body = new StringBuilder();
        foreach (var part in parts)
        {
            body.Append("--").Append(boundary).Append("\r\n");
            body.Append("Content-Disposition: form-data; name=\"").Append(part.Name).Append('"');
            if (part.FileName is not null) body.Append("; filename=\"").Append(part.FileName).Append('"');
            body.Append("\r\n");
            if (part.ContentType is not null) body.Append("Content-Type: ").Append(part.ContentType).Append("\r\n");
            body.Append("\r\n").Append(part.Content).Append("\r\n");
        }
        body.Append("--").Append(boundary).Append("--\r\n");
        return body.ToString();
    }

    public static string? Str(this JsonNode? node) => node?.GetValue<string>();
}
