package main

import (
	"reflect"

	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
)

// stringSerializer is the contract API's JSON serializer without its JSON
// schema check for plain string arguments and results, which every string
// passes: RecordEvents' argument is a whole batch (tens of kilobytes) that
// package trace parses and checks itself, and the schema library's walk over
// it cost about a tenth of the chaincode's CPU time per event. Every other
// type goes through the JSON serializer unchanged.
type stringSerializer struct {
	serializer.JSONSerializer
}

// FromString passes a string argument through as it is.
func (s *stringSerializer) FromString(param string, t reflect.Type, pm *metadata.ParameterMetadata, c *metadata.ComponentMetadata) (reflect.Value, error) {
	if t.Kind() == reflect.String && t.PkgPath() == "" {
		return reflect.ValueOf(param), nil
	}
	return s.JSONSerializer.FromString(param, t, pm, c)
}

// ToString returns a string result as it is.
func (s *stringSerializer) ToString(v reflect.Value, t reflect.Type, rm *metadata.ReturnMetadata, c *metadata.ComponentMetadata) (string, error) {
	if t.Kind() == reflect.String && t.PkgPath() == "" {
		return v.String(), nil
	}
	return s.JSONSerializer.ToString(v, t, rm, c)
}
