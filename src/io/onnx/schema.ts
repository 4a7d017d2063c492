/**
 * The part of ONNX's schema the exporter writes, as protobuf text: the messages below are copied from
 * onnx/onnx.proto (ONNX 1.12, IR version 8; https://github.com/onnx/onnx/blob/v1.12.0/onnx/onnx.proto),
 * field numbers, types and labels unchanged, with the fields aekit never writes left out (training info,
 * functions, sparse tensors, segments, external data, non-tensor types, and the typed *_data lists: tensors
 * travel as raw_data, so no field here is packed). Every message is a subset of ONNX's, so ONNX Runtime,
 * `onnx.checker` and Netron read the bytes as ONNX.
 *
 * onnx.proto is licensed under the Apache License 2.0 (SPDX-License-Identifier: Apache-2.0), Copyright (c) ONNX
 * Project Contributors.
 *
 * Why this text and protobufjs 7 rather than the `onnx-proto` package (8.0.1): onnx-proto is the same schema
 * compiled by pbjs into a static module, but it depends on protobufjs ^6.11.2, a second copy beside the
 * protobufjs 7 aekit already has (the 6.x line only gets backported fixes, such as CVE-2023-36665's prototype
 * pollution in 6.11.4), and it carries all of ONNX (training, sparse tensors, functions) where aekit writes
 * nine messages; kept as text, the schema is the one thing to compare with ONNX's own. The proto2
 * original is used (not onnx.proto3) because it is ONNX's canonical schema: repeated ints are written unpacked
 * exactly as ONNX's own C++ and Python writers write them. How the bytes are produced without protobufjs's
 * generated code is in proto.ts.
 */
export const ONNX_SCHEMA = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0;
    FLOAT = 1;
    INT = 2;
    STRING = 3;
    TENSOR = 4;
    GRAPH = 5;
    FLOATS = 6;
    INTS = 7;
    STRINGS = 8;
    TENSORS = 9;
    GRAPHS = 10;
  }
  optional string name = 1;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0;
    FLOAT = 1;
    UINT8 = 2;
    INT8 = 3;
    UINT16 = 4;
    INT16 = 5;
    INT32 = 6;
    INT64 = 7;
    STRING = 8;
    BOOL = 9;
    FLOAT16 = 10;
    DOUBLE = 11;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    };
    optional string denotation = 3;
  };
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;
