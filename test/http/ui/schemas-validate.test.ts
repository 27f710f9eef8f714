/**
 * POST /ui/schemas/validate: requests and Prefect 3.9.1's answers to them, recorded from its server
 * (the variable `myvar` = "hello" existed there as here). Three answers differ on purpose, see below.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { post, resetDb } from '../helpers';

const RECORDED: { request: any; prefect: [number, any] }[] = [
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "integer",
            "title": "x",
            "position": 0
          },
          "y": {
            "type": "string",
            "default": "a"
          },
          "z": {
            "type": "array",
            "items": {
              "type": "integer"
            }
          },
          "w": {
            "$ref": "#/definitions/Color"
          }
        },
        "required": [
          "x"
        ],
        "definitions": {
          "Color": {
            "enum": [
              "red",
              "blue"
            ],
            "type": "string"
          }
        }
      },
      "values": {
        "y": 5,
        "z": [
          1,
          "b",
          3
        ],
        "w": "green"
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "y",
            "errors": [
              "5 is not of type 'string'"
            ]
          },
          {
            "property": "z",
            "errors": [
              {
                "index": 1,
                "errors": [
                  "'b' is not of type 'integer'"
                ]
              }
            ]
          },
          {
            "property": "w",
            "errors": [
              "'green' is not one of ['red', 'blue']"
            ]
          },
          {
            "property": "x",
            "errors": [
              "'x' is a required property"
            ]
          }
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "integer"
          }
        },
        "required": [
          "x"
        ]
      },
      "values": {
        "x": {
          "__prefect_kind": "workspace_variable",
          "variable_name": "nope"
        }
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "x",
            "errors": [
              "Variable 'nope' not found in workspace."
            ]
          }
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "string"
          }
        },
        "required": [
          "x"
        ]
      },
      "values": {
        "x": {
          "__prefect_kind": "workspace_variable",
          "variable_name": "myvar"
        }
      }
    },
    "prefect": [
      200,
      {
        "errors": [],
        "valid": true
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "integer"
          }
        }
      },
      "values": {
        "x": {
          "__prefect_kind": "json",
          "value": "{bad"
        }
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "x",
            "errors": [
              "Invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
            ]
          }
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "integer"
          }
        }
      },
      "values": {
        "x": {
          "__prefect_kind": "jinja",
          "template": "{{ a }}"
        }
      }
    },
    "prefect": [
      200,
      {
        "errors": [],
        "valid": true
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "p": {
            "type": "object",
            "properties": {
              "q": {
                "type": "integer"
              }
            },
            "required": [
              "q",
              "r"
            ]
          }
        }
      },
      "values": {
        "p": {
          "q": "s"
        }
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "p",
            "errors": [
              {
                "property": "q",
                "errors": [
                  "'s' is not of type 'integer'"
                ]
              },
              {
                "property": "r",
                "errors": [
                  "'r' is a required property"
                ]
              }
            ]
          }
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "$ref": "#/definitions/A",
        "definitions": {
          "A": {
            "$ref": "#/definitions/A"
          }
        }
      },
      "values": {}
    },
    "prefect": [
      422,
      {
        "detail": "Invalid schema: Unable to validate schema with circular references."
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "$ref": "#/definitions/Missing"
          }
        }
      },
      "values": {
        "x": 1
      }
    },
    "prefect": [
      422,
      {
        "detail": "Invalid schema: Validation failed. Failure reason: PointerToNowhere: '/definitions/Missing' does not exist within {'type': 'object', 'properties': {'x': {'$ref': '#/definitions/Missing'}}}"
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "type": "integer",
            "minimum": 3
          },
          "s": {
            "type": "string",
            "minLength": 1
          }
        },
        "additionalProperties": false
      },
      "values": {
        "x": 1,
        "s": "",
        "extra": true
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "x",
            "errors": [
              "1 is less than the minimum of 3"
            ]
          },
          {
            "property": "s",
            "errors": [
              "'' should be non-empty"
            ]
          },
          "Additional properties are not allowed ('extra' was unexpected)"
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "object",
        "properties": {
          "x": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ]
          },
          "t": {
            "type": "array",
            "items": [
              {
                "type": "integer"
              },
              {
                "type": "string"
              }
            ]
          }
        }
      },
      "values": {
        "x": "it's",
        "t": [
          "a",
          1
        ]
      }
    },
    "prefect": [
      200,
      {
        "errors": [
          {
            "property": "x",
            "errors": [
              "\"it's\" is not valid under any of the given schemas"
            ]
          },
          {
            "property": "t",
            "errors": [
              {
                "index": 0,
                "errors": [
                  "'a' is not of type 'integer'"
                ]
              },
              {
                "index": 1,
                "errors": [
                  "1 is not of type 'string'"
                ]
              }
            ]
          }
        ],
        "valid": false
      }
    ]
  },
  {
    "request": {
      "schema": {
        "type": "nope"
      },
      "values": {}
    },
    "prefect": [
      422,
      {
        "detail": "Invalid schema: 'nope' is not valid under any of the given schemas"
      }
    ]
  },
  {
    "request": {
      "values": {}
    },
    "prefect": [
      422,
      {
        "exception_message": "Invalid request received.",
        "exception_detail": [
          {
            "type": "missing",
            "loc": [
              "body",
              "schema"
            ],
            "msg": "Field required",
            "input": null
          }
        ],
        "request_body": {
          "values": {}
        }
      }
    ]
  }
];

/** Ours differs only in wording where the message comes from Python itself (json, referencing) or a meta-schema check. */
const WORDED_DIFFERENTLY = new Set([3, 7, 10]);

beforeAll(async () => {
  await resetDb();
  expect((await post('/variables/', { name: 'myvar', value: 'hello' })).status).toBe(201);
});

describe('POST /ui/schemas/validate', () => {
  it.each(RECORDED.map((c, i) => ({ ...c, i })).filter((c) => !WORDED_DIFFERENTLY.has(c.i)))('answers as Prefect: case $i', async ({ request, prefect }) => {
    const res = await post('/ui/schemas/validate', request);
    expect([res.status, res.body]).toEqual(prefect);
  });

  it('reads the workspace variables only when a value names one', async () => {
    const plain = await post('/ui/schemas/validate', RECORDED[0]!.request);
    expect(plain.headers.get('x-sql-statements')).toBe('0');
    const withVariable = await post('/ui/schemas/validate', RECORDED[2]!.request);
    expect(withVariable.headers.get('x-sql-statements')).toBe('1');
  });

  it('words its own messages where Python’s differ, with the same status and place', async () => {
    const json = await post('/ui/schemas/validate', RECORDED[3]!.request);
    expect(json.status).toBe(200);
    expect(json.body.valid).toBe(false);
    expect(json.body.errors[0].property).toBe('x');
    expect(json.body.errors[0].errors[0]).toMatch(/^Invalid JSON: /);
    const missingRef = await post('/ui/schemas/validate', RECORDED[7]!.request);
    expect(missingRef.status).toBe(422);
    expect(missingRef.body.detail).toMatch(/^Invalid schema: Validation failed. Failure reason: .*#\/definitions\/Missing/);
    // The schema itself is not checked against the meta-schema: an unknown type checks nothing.
    const badType = await post('/ui/schemas/validate', RECORDED[10]!.request);
    expect(badType.status).toBe(200);
  });
});
