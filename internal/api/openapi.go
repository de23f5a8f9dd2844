package api

import (
	"reflect"
	"regexp"
	"strings"
	"time"
)

// OpenAPI builds the OpenAPI 3.1 document from the route table, deriving body schemas from the Go
// types the handlers actually use, so the document cannot drift from the code.
func (rr *Router) OpenAPI(title, version string) map[string]any {
	paths := map[string]any{}
	schemas := map[string]any{}
	for _, rt := range rr.Routes() {
		if rt.Page {
			continue
		}
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
		}
		if rt.Tag != "" {
			op["tags"] = []string{rt.Tag}
		}
		var params []any
		for _, p := range PathParams(rt.Path) {
			params = append(params, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, name := range sortedKeys(rt.Query) {
			params = append(params, map[string]any{"name": name, "in": "query", "description": rt.Query[name], "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if !rt.Access.Public {
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}}
		}
		if rt.Request != nil || rt.RequestType != "" {
			mt := rt.RequestType
			if mt == "" {
				mt = "application/json"
			}
			content := map[string]any{}
			if rt.Request != nil && mt == "application/json" {
				content[mt] = map[string]any{"schema": schemaRef(reflect.TypeOf(rt.Request), schemas)}
			} else {
				content[mt] = map[string]any{"schema": map[string]any{"type": "string"}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		okContent := map[string]any{}
		if rt.ResponseType != "" {
			okContent[rt.ResponseType] = map[string]any{"schema": map[string]any{"type": "string"}}
		} else if rt.Response != nil {
			okContent["application/json"] = map[string]any{"schema": schemaRef(reflect.TypeOf(rt.Response), schemas)}
		}
		ok := map[string]any{"description": "success"}
		if len(okContent) > 0 {
			ok["content"] = okContent
		}
		errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{
			"schema": schemaRef(reflect.TypeOf(ErrorBody{}), schemas)}}}
		op["responses"] = map[string]any{"200": ok, "default": errResp}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": title, "version": version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "oauth2", "flows": map[string]any{"clientCredentials": map[string]any{"tokenUrl": "/oauth/token", "scopes": map[string]any{}}}},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "lt_session"},
			},
		},
	}
}

var paramPattern = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// PathParams returns the wildcard names of a ServeMux path.
func PathParams(path string) []string {
	var out []string
	for _, m := range paramPattern.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

func operationID(rt Route) string {
	s := strings.ToLower(rt.Method) + strings.NewReplacer("/api/v1/", "_", "/", "_", "{", "", "}", "", ".", "_", "-", "_").Replace(rt.Path)
	return strings.Trim(s, "_")
}

var timeType = reflect.TypeOf(time.Time{})

// schemaRef returns a schema for t, registering named struct types under components/schemas.
func schemaRef(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaRef(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaRef(t.Elem(), schemas)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := SchemaName(t)
		if _, done := schemas[name]; !done {
			schemas[name] = map[string]any{} // placeholder against recursion
			schemas[name] = structSchema(t, schemas)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// SchemaName names a struct type in the document: package and type, e.g. "agency.Agency".
func SchemaName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	return pkg + "." + t.Name()
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range JSONFields(t) {
		props[f.Name] = schemaRef(f.Type, schemas)
		if !f.OmitEmpty {
			required = append(required, f.Name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// JSONField is a field as encoding/json sees it.
type JSONField struct {
	Name      string
	Type      reflect.Type
	OmitEmpty bool
}

// JSONFields lists the JSON-visible fields of a struct type, following embedded structs.
func JSONFields(t reflect.Type) []JSONField {
	var out []JSONField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, JSONFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, JSONField{Name: name, Type: f.Type, OmitEmpty: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}
